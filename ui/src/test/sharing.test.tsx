// The VM page's ports & folders tab against a fake transport.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { setFetch } from '../api/client';
import type { Vm } from '../api/types';
import { Sharing } from '../components/Sharing';
import { serve, vmIn } from './fakeServer';

afterEach(() => {
  cleanup();
  setFetch((...a) => fetch(...a));
});

describe('Sharing', () => {
  it('adds a forward with the form and removes it from the list', async () => {
    let vm: Vm = vmIn('running');
    const withForward = vmIn('running', 'fixture', {
      forwards: [{ proto: 'tcp', hostPort: 8080, guestPort: 80, bind: '127.0.0.1', public: false }],
    });
    const calls = serve({ addForward: () => withForward, removeForward: () => vmIn('running', 'fixture', { forwards: [] }) });
    const { rerender } = render(<Sharing vm={vm} active onSaved={(v) => (vm = v)} />);
    expect(screen.getByText('No ports are forwarded.')).toBeTruthy();
    const form = screen.getByRole('form', { name: 'Add a port forward' });
    fireEvent.change(within(form).getByLabelText('Host port'), { target: { value: '8080' } });
    fireEvent.change(within(form).getByLabelText('Guest port'), { target: { value: '80' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add forward' }));
    await waitFor(() => expect(vm.forwards?.length).toBe(1));
    expect(calls[0]).toEqual({
      op: 'addForward',
      body: { vm: 'fixture', proto: 'tcp', hostPort: 8080, guestPort: 80, bind: '127.0.0.1' },
    });
    rerender(<Sharing vm={vm} active onSaved={(v) => (vm = v)} />);
    const list = screen.getByRole('list', { name: 'Port forwards' });
    expect(within(list).getByText(/tcp 127.0.0.1:8080 → guest port 80/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Remove forward of host port 8080' }));
    await waitFor(() => expect(calls[1]?.op).toBe('removeForward'));
    expect(calls[1].body).toEqual({ vm: 'fixture', hostPort: 8080, proto: 'tcp' });
  });

  it('warns when a forward listens on another address, and locks folders while running', () => {
    render(<Sharing vm={vmIn('running')} active onSaved={() => {}} />);
    const form = screen.getByRole('form', { name: 'Add a port forward' });
    fireEvent.change(within(form).getByLabelText('Listen on'), { target: { value: '0.0.0.0' } });
    expect(screen.getByText('Warning: other machines on the network can reach this port.')).toBeTruthy();
    const folders = screen.getByRole('form', { name: 'Add a shared folder' });
    expect(within(folders).getByLabelText('Host folder').matches(':disabled')).toBe(true);
  });

  it('shows each share with its mount command', () => {
    const vm = vmIn('stopped', 'fixture', {
      shares: [
        {
          path: '/home/me/code',
          tag: 'code',
          readOnly: true,
          mountCommand: 'mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro code /mnt/code',
        },
      ],
    });
    render(<Sharing vm={vm} active={false} onSaved={() => {}} />);
    const list = screen.getByRole('list', { name: 'Shared folders' });
    expect(within(list).getByText('mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro code /mnt/code')).toBeTruthy();
    expect(within(list).getByText(/\/home\/me\/code \(read-only\)/)).toBeTruthy();
  });
});
