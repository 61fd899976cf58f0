import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import type { Consistency, Snapshot } from '../api/types';
import { bytes } from '../format';
import { useAction } from '../useAction';
import { ConfirmDialog } from './ConfirmDialog';
import { Field } from './Field';

export const consistencyNames: Record<Consistency, string> = {
  stopped: 'Stopped VM',
  filesystem: 'Filesystem-consistent (live)',
  crash: 'Crash-consistent (live)',
};

/** The rule createSnapshot applies (snapshot.c), for an error before the call. */
export function snapshotNameError(name: string): string | undefined {
  if (name === '') return undefined;
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/.test(name))
    return "1 to 64 letters, digits, '.', '_' or '-', not starting with '.' or '-'";
  return undefined;
}

type Confirm = { kind: 'revert' | 'delete'; name: string } | null;

/** A VM's snapshots: take one (live while it runs), revert or delete one
 * through a confirmation. */
export function Snapshots({ vm, active, onChanged }: { vm: string; active: boolean; onChanged: () => void }) {
  const [list, setList] = useState<Snapshot[] | null>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [step, setStep] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const { busy, error, setError, run } = useAction();

  const reload = useCallback(
    () => api.listSnapshots(vm).then(setList, (e: Error) => setError(e.message)),
    [vm, setError],
  );
  useEffect(() => {
    void reload();
  }, [reload]);

  const nameError = snapshotNameError(name);
  const take = () =>
    void run('take', async () => {
      setDone(null);
      const s = await api.createSnapshot(vm, name, description || null, setStep);
      setStep(null);
      setName('');
      setDescription('');
      setDone(
        `Took snapshot ${s.name} (${consistencyNames[s.consistency]}${
          s.pausedMs !== undefined ? `, the guest paused ${s.pausedMs} ms` : ''
        }).${s.notice ? ` ${s.notice}.` : ''}`,
      );
      await reload();
      onChanged();
    }).finally(() => setStep(null));

  return (
    <div className="snapshots">
      <p className="muted">
        A snapshot holds the disk, the UEFI variables and the TPM.{' '}
        {active
          ? 'While the VM runs it is taken live, without the memory: QEMU’s NVMe disk cannot be migrated, so reverting to it is like a power cut at that moment. The guest’s filesystems are frozen for it when its agent answers.'
          : 'Reverting needs the VM stopped and restores all three together.'}
      </p>
      <form
        aria-label="Take a snapshot"
        onSubmit={(e) => {
          e.preventDefault();
          if (name && !nameError) take();
        }}
      >
        <Field label="Snapshot name" error={nameError}>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={64} required />
        </Field>
        <Field label="Description (optional)">
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <button type="submit" className="primary" disabled={!name || !!nameError || busy !== null}>
          {busy === 'take' ? 'Taking snapshot…' : active ? 'Take live snapshot' : 'Take snapshot'}
        </button>
      </form>
      {step && <p role="status">{step}…</p>}
      {done && !busy && !error && <p className="ok">{done}</p>}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {list === null ? (
        <p>Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted">No snapshots yet.</p>
      ) : (
        <table aria-label="Snapshots" className="vms">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Taken</th>
              <th scope="col">Consistency</th>
              <th scope="col">Disk space it holds</th>
              <th scope="col">Vars + TPM</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <tr key={s.name}>
                <th scope="row">
                  {s.name}
                  {s.description && <div className="muted">{s.description}</div>}
                </th>
                <td>{new Date(s.createdAt).toLocaleString()}</td>
                <td>{consistencyNames[s.consistency]}</td>
                <td>{bytes(s.diskHeldBytes)}</td>
                <td>{bytes(s.stateBytes)}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`Revert to ${s.name}`}
                    title={active ? 'Stop the VM to revert it' : undefined}
                    disabled={active || busy !== null}
                    onClick={() => setConfirm({ kind: 'revert', name: s.name })}
                  >
                    Revert…
                  </button>{' '}
                  <button
                    type="button"
                    className="danger"
                    aria-label={`Delete snapshot ${s.name}`}
                    disabled={busy !== null}
                    onClick={() => setConfirm({ kind: 'delete', name: s.name })}
                  >
                    Delete…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {confirm?.kind === 'revert' && (
        <ConfirmDialog
          title={`Revert ${vm} to ${confirm.name}?`}
          message="The disk, the UEFI variables and the TPM go back to this snapshot. What the VM wrote since is lost, unless another snapshot holds it."
          confirmLabel="Revert"
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            const n = confirm.name;
            setConfirm(null);
            void run('revert', async () => {
              setDone(null);
              await api.revertSnapshot(vm, n);
              setDone(`Reverted to ${n}.`);
              await reload();
              onChanged();
            });
          }}
        />
      )}
      {confirm?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete snapshot ${confirm.name}?`}
          message="The snapshot and the disk space only it holds are freed. The VM as it is now is not changed."
          confirmLabel="Delete snapshot"
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            const n = confirm.name;
            setConfirm(null);
            void run('delete', async () => {
              setDone(null);
              await api.deleteSnapshot(vm, n);
              setDone(`Deleted snapshot ${n}.`);
              await reload();
              onChanged();
            });
          }}
        />
      )}
    </div>
  );
}
