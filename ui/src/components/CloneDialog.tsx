import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import type { Snapshot } from '../api/types';
import { bytes, vmHref } from '../format';
import { useAction } from '../useAction';
import { Field } from './Field';

/** Clone a VM: a name, optionally a snapshot to clone from (required while
 * it runs) and whether to keep its TPM. Goes to the clone's page when made. */
export function CloneDialog({ vm, active, onClose }: { vm: string; active: boolean; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState(`${vm}-clone`);
  const [from, setFrom] = useState('');
  const [keepTpm, setKeepTpm] = useState(false);
  const [snapshots, setSnapshots] = useState<Snapshot[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal?.();
    api.listSnapshots(vm).then(setSnapshots, () => {});
  }, [vm]);
  const needsSnapshot = active && !from;
  return (
    <dialog ref={ref} aria-labelledby="clone-title" onCancel={onClose} className="dialog">
      <h2 id="clone-title">Clone {vm}</h2>
      <p className="muted">
        The clone gets a new identity (uuid, MAC address, NVMe serial) and a fresh TPM. Its disk is shared with the
        source where the filesystem can, else only the data the disk holds is copied.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run('clone', async () => {
            const c = await api.cloneVm(vm, { name, fromSnapshot: from || undefined, keepTpm });
            setDone(
              `Cloned to ${c.name} (${c.copy.method}, ${bytes(c.copy.diskBytesCopied)} copied).${c.notice ? ` ${c.notice}.` : ''}`,
            );
            location.hash = vmHref(c.name);
            onClose();
          });
        }}
      >
        <Field label="Name of the clone">
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
        </Field>
        <Field
          label="From"
          hint={needsSnapshot ? 'The VM is running: clone one of its snapshots, or stop it first.' : undefined}
          hintClass="notice"
        >
          <select value={from} onChange={(e) => setFrom(e.target.value)}>
            <option value="">The VM as it is now</option>
            {snapshots.map((s) => (
              <option key={s.name} value={s.name}>
                Snapshot {s.name}
              </option>
            ))}
          </select>
        </Field>
        <label className="check">
          <input type="checkbox" checked={keepTpm} onChange={(e) => setKeepTpm(e.target.checked)} /> Keep the TPM
          (both VMs then share one TPM identity; BitLocker unlocks in the clone)
        </label>
        {busy && <p role="status">Cloning…</p>}
        {done && <p className="ok">{done}</p>}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!name || needsSnapshot || busy !== null}>
            {busy ? 'Cloning…' : 'Clone'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
