// The Snapshots tab and the Clone dialog against a fake transport answering
// with the C dispatcher's recorded fixtures.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { setFetch } from '../api/client';
import type { Snapshot } from '../api/types';
import { CloneDialog } from '../components/CloneDialog';
import { Snapshots, snapshotNameError } from '../components/Snapshots';
import { fixture, serve } from './fakeServer';

afterEach(() => {
  cleanup();
  setFetch((...a) => fetch(...a));
});

// jsdom has no showModal: a <dialog> stays closed, so its contents count as hidden
const hidden = true;

const ndjson = (...lines: unknown[]) =>
  new Response(lines.map((l) => JSON.stringify(l)).join('\n') + '\n', { status: 200 });

describe('Snapshots tab', () => {
  it('checks the name, takes a snapshot with progress, reverts and deletes through a confirmation', async () => {
    let list: Snapshot[] = [];
    const calls = serve({
      listSnapshots: () => list,
      createSnapshot: (b) => {
        const s = { ...fixture('createSnapshot'), name: b.name as string };
        list = [s];
        return ndjson({ progress: { step: 'taking the snapshot of the stopped VM' } }, { result: s });
      },
      revertSnapshot: (b) => ({ reverted: b.name }),
      deleteSnapshot: (b) => {
        list = [];
        return { deleted: b.name };
      },
    });
    render(<Snapshots vm="fixture" active={false} onChanged={() => {}} />);
    await screen.findByText('No snapshots yet.');
    const name = screen.getByLabelText('Snapshot name');
    fireEvent.change(name, { target: { value: '-bad' } });
    expect(screen.getByRole('alert').textContent).toMatch(/letters, digits/);
    expect((screen.getByRole('button', { name: 'Take snapshot' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(name, { target: { value: 'before-update' } });
    fireEvent.click(screen.getByRole('button', { name: 'Take snapshot' }));
    const table = await screen.findByRole('table', { name: 'Snapshots' });
    expect(within(table).getByRole('rowheader', { name: /before-update/ })).toBeTruthy();
    expect(within(table).getByText('Stopped VM')).toBeTruthy();
    expect(calls.find((c) => c.op === 'createSnapshot')?.body).toEqual({ vm: 'fixture', name: 'before-update' });

    const revert = screen.getByRole('button', { name: 'Revert to before-update' }) as HTMLButtonElement;
    await waitFor(() => expect(revert.disabled).toBe(false));
    fireEvent.click(revert);
    const dialog = screen.getByText('Revert fixture to before-update?').closest('dialog') as HTMLElement;
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revert', hidden }));
    await waitFor(() => expect(calls.some((c) => c.op === 'revertSnapshot')).toBe(true));
    await screen.findByText('Reverted to before-update.');

    const remove = screen.getByRole('button', { name: 'Delete snapshot before-update' }) as HTMLButtonElement;
    await waitFor(() => expect(remove.disabled).toBe(false));
    fireEvent.click(remove);
    const del = screen.getByText('Delete snapshot before-update?').closest('dialog') as HTMLElement;
    fireEvent.click(within(del).getByRole('button', { name: 'Delete snapshot', hidden }));
    await screen.findByText('No snapshots yet.');
  });

  it('says a live snapshot saves no memory, and revert waits for the VM to stop', async () => {
    serve({ listSnapshots: () => [fixture('createSnapshot')] });
    render(<Snapshots vm="fixture" active={true} onChanged={() => {}} />);
    expect(await screen.findByText(/without the memory: QEMU’s NVMe disk cannot be migrated/)).toBeTruthy();
    expect((await screen.findByRole('button', { name: 'Revert to s1' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole('button', { name: 'Take live snapshot' })).toBeTruthy();
  });

  it('knows the name rule', () => {
    expect(snapshotNameError('ok.name_1-2')).toBeUndefined();
    expect(snapshotNameError('.x')).toBeDefined();
    expect(snapshotNameError('a b')).toBeDefined();
    expect(snapshotNameError('x'.repeat(65))).toBeDefined();
  });
});

describe('Clone dialog', () => {
  it('clones under a new name and goes to the clone', async () => {
    const calls = serve({
      listSnapshots: () => [fixture('createSnapshot')],
      cloneVm: (b) => ({ ...fixture('cloneVm'), name: b.name }),
    });
    let closed = false;
    render(<CloneDialog vm="fixture" active={false} onClose={() => (closed = true)} />);
    fireEvent.change(screen.getByLabelText('Name of the clone'), { target: { value: 'twin' } });
    fireEvent.click(screen.getByRole('checkbox', { name: /Keep the TPM/, hidden }));
    fireEvent.click(screen.getByRole('button', { name: 'Clone', hidden }));
    await waitFor(() => expect(closed).toBe(true));
    expect(calls.find((c) => c.op === 'cloneVm')?.body).toEqual({ vm: 'fixture', name: 'twin', keepTpm: true });
    expect(location.hash).toBe('#/vm/twin');
  });

  it('a running VM is cloned from a snapshot', async () => {
    serve({ listSnapshots: () => [fixture('createSnapshot')] });
    render(<CloneDialog vm="fixture" active={true} onClose={() => {}} />);
    expect(screen.getByText(/The VM is running: clone one of its snapshots/)).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Clone', hidden }) as HTMLButtonElement).disabled).toBe(true);
    await screen.findByRole('option', { name: 'Snapshot s1', hidden });
    fireEvent.change(screen.getByLabelText('From'), { target: { value: 's1' } });
    expect((screen.getByRole('button', { name: 'Clone', hidden }) as HTMLButtonElement).disabled).toBe(false);
  });
});
