// The wizard's steps against a fake transport: what the Preset and Review
// steps show, and the errors a step shows once.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { setFetch } from '../api/client';
import type { Preset } from '../api/types';
import { Wizard } from '../pages/wizard/Wizard';
import { fixture, serve } from './fakeServer';

afterEach(() => {
  cleanup();
  setFetch((...a) => fetch(...a));
});

const next = () => fireEvent.click(screen.getByRole('button', { name: 'Next' }));

async function toPresets(more: Parameters<typeof serve>[0] = {}) {
  const calls = serve({
    hostInfo: () => fixture('hostInfo'),
    presets: () => fixture('presets'),
    validateIso: (b) => ({ path: b.path, valid: true, message: null }),
    ...more,
  });
  render(<Wizard />);
  fireEvent.click(await screen.findByRole('radio', { name: /Linux/ }));
  next();
  fireEvent.change(screen.getByRole('textbox', { name: 'ISO path' }), { target: { value: '/good.iso' } });
  await screen.findByText('A bootable installer image.');
  next();
  return calls;
}

describe('Wizard steps', () => {
  it('shows each preset by its numbers as this host runs them, with the notice, not its prose', async () => {
    await toPresets();
    const presets = fixture('presets') as Preset[];
    for (const p of presets) {
      const card = screen.getByRole('radio', { name: new RegExp(p.name, 'i') }).closest('label') as HTMLElement;
      expect(card.textContent).toContain(`${p.effective.cpus} vCPUs`);
      expect(card.textContent).toContain(`${p.diskGiB} GiB`);
      if (p.notice) expect(card.textContent).toContain(p.notice);
    }
    expect(screen.queryByText(/browsing and light apps/)).toBeNull();
  });

  it('fills the resources from the preset chosen and names the VM after its OS', async () => {
    await toPresets();
    fireEvent.click(screen.getByRole('radio', { name: /Light/ }));
    next();
    expect((screen.getByRole('textbox', { name: 'Name' }) as HTMLInputElement).value).toBe('Linux');
    expect((screen.getByRole('spinbutton', { name: 'Memory (GiB)' }) as HTMLInputElement).value).toBe('4');
    expect((screen.getByRole('spinbutton', { name: 'Disk (GiB)' }) as HTMLInputElement).value).toBe('64');
    const cpus = screen.getByRole('spinbutton', { name: 'vCPUs' });
    fireEvent.change(cpus, { target: { value: '999' } });
    expect(screen.getByRole('alert').textContent).toMatch(/At most 2 vCPUs/);
    expect(cpus.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(cpus.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(/At most 2/);
  });

  it('says what a TPM is for, off for Linux unless ticked', async () => {
    await toPresets();
    next();
    const tpm = screen.getByRole('checkbox', { name: /TPM 2.0/ }) as HTMLInputElement;
    expect(tpm.checked).toBe(false);
    expect(tpm.disabled).toBe(false);
    expect(document.getElementById(tpm.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(
      /measured boot, and disk encryption.*Linux does not need one/,
    );
    fireEvent.click(tpm);
    expect(tpm.checked).toBe(true);
  });

  it("says why planVm failed, and sends the create request's resolution as width and height", async () => {
    const calls = await toPresets({
      planVm: () => new Response('{"error":{"code":"invalidArgument","message":"no firmware"}}', { status: 400 }),
    });
    next();
    fireEvent.change(screen.getByRole('combobox', { name: 'Resolution' }), { target: { value: '2560x1440' } });
    next();
    expect((await screen.findByRole('alert')).textContent).toBe('no firmware');
    expect((screen.getByRole('button', { name: 'Create VM' }) as HTMLButtonElement).disabled).toBe(true);
    await waitFor(() => expect(calls.find((c) => c.op === 'planVm')?.body).toMatchObject({ width: 2560, height: 1440 }));
  });
});
