// Components against a fake transport that answers with the recorded
// fixtures (the C dispatcher's real answers).
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { setFetch } from '../api/client';
import type { Command } from '../api/types';
import { CommandView, shellQuote } from '../components/CommandView';
import { Library } from '../pages/Library';
import { Wizard } from '../pages/wizard/Wizard';
import { fixture, serve } from './fakeServer';

afterEach(() => {
  cleanup();
  setFetch((...a) => fetch(...a));
});

describe('Library', () => {
  it('shows each remote libvirt host as a section, and starts a domain there', async () => {
    const calls = serve({
      listVms: () => [],
      listRemotes: () => [
        {
          name: 'lab',
          uri: 'qemu+ssh://me@lab/system',
          domains: [{ name: 'web', remote: 'lab', state: 'stopped', cpus: 2, memoryMiB: 2048 }],
        },
        { name: 'gone', uri: 'qemu+ssh://me@gone/system', error: 'cannot reach libvirt at …' },
      ],
      remoteAction: (b) => ({ remote: b.remote, domain: b.domain, action: b.action }),
    });
    render(<Library />);
    const lab = await screen.findByRole('region', { name: /@lab/ });
    const row = within(lab).getByRole('row', { name: /web@lab/ });
    expect(within(row).getByText('stopped')).toBeTruthy();
    expect(within(row).getByText('2 GiB')).toBeTruthy();
    const gone = screen.getByRole('region', { name: /@gone/ });
    expect(within(gone).getByText(/Unreachable: cannot reach libvirt/)).toBeTruthy();
    fireEvent.click(within(row).getByRole('button', { name: 'Start web@lab' }));
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.find((c) => c.op === 'remoteAction')?.body).toEqual({ remote: 'lab', domain: 'web', action: 'start' });
  });

  it('shows no remote section where the API has no remotes', async () => {
    serve({ listVms: () => [] });
    render(<Library />);
    await screen.findByRole('heading', { name: 'No virtual machines yet' });
    expect(screen.queryByRole('region', { name: /@/ })).toBeNull();
  });

  it('leads an empty library to the wizard', async () => {
    serve({ listVms: () => [] });
    render(<Library />);
    expect(await screen.findByRole('heading', { name: 'No virtual machines yet' })).toBeTruthy();
    const link = screen.getByRole('link', { name: 'Create your first VM' });
    expect(link.getAttribute('href')).toBe('#/new');
  });

  it('lists each VM with state, OS, vCPUs, memory, disk and a start button', async () => {
    const calls = serve({ listVms: () => fixture('listVms'), startVm: () => fixture('vmStatus') });
    render(<Library />);
    const row = await screen.findByRole('row', { name: /fixture/ });
    expect(within(row).getByText('Linux')).toBeTruthy();
    expect(within(row).getByText('1 GiB')).toBeTruthy();
    expect(within(row).getByText('2 GiB')).toBeTruthy();
    expect(within(row).getByRole('status', { name: 'fixture is stopped' })).toBeTruthy();
    fireEvent.click(within(row).getByRole('button', { name: 'Start fixture' }));
    await screen.findByRole('row', { name: /fixture/ });
    await new Promise((r) => setTimeout(r, 50));
    const start = calls.find((c) => c.op === 'startVm');
    expect(start?.body).toEqual({ vm: 'fixture', display: 'vnc' });
  });
});

describe('Wizard', () => {
  it('checks the ISO with the server as it is typed and blocks Next until it is valid', async () => {
    serve({
      hostInfo: () => fixture('hostInfo'),
      presets: () => fixture('presets'),
      validateIso: (b) =>
        b.path === '/good.iso'
          ? { path: '/good.iso', valid: true, message: null }
          : { ...fixture('validateIso'), path: b.path },
    });
    render(<Wizard />);
    fireEvent.click(await screen.findByRole('radio', { name: /Linux/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    const box = screen.getByRole('textbox', { name: 'ISO path' });
    fireEvent.change(box, { target: { value: '/etc/hostname' } });
    expect(await screen.findByText(/is not an ISO image/)).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Next' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(box, { target: { value: '/good.iso' } });
    expect(await screen.findByText('A bootable installer image.')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Next' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('asks for the licence only for Windows 11', async () => {
    serve({ hostInfo: () => fixture('hostInfo'), presets: () => fixture('presets') });
    render(<Wizard />);
    await screen.findByRole('radio', { name: /Windows 11/ });
    const steps = () => screen.getByRole('list', { name: 'Steps' }).textContent;
    expect(steps()).toContain('Licence');
    fireEvent.click(screen.getByRole('radio', { name: /Linux/ }));
    expect(steps()).not.toContain('Licence');
  });
});

describe('CommandView', () => {
  it('shows each flag group with its reason and what was dropped', () => {
    const cmd = fixture('vmCommand') as Command;
    render(<CommandView command={cmd} />);
    expect(screen.getByText(cmd.groups[1].reason)).toBeTruthy();
    expect(screen.getByText(cmd.dropped[0].what)).toBeTruthy();
    expect(screen.getByText(/Accelerator:/).textContent).toContain(cmd.accel);
  });

  it('quotes arguments for a shell', () => {
    expect(shellQuote('-m')).toBe('-m');
    expect(shellQuote("guest=it's mine")).toBe(`'guest=it'\\''s mine'`);
  });
});
