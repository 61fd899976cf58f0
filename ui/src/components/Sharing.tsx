import { useState } from 'react';
import { api } from '../api/client';
import type { Vm } from '../api/types';
import { useAction } from '../useAction';
import { Field } from './Field';

/** A VM's port forwards (added and removed live, also while it runs) and
 * shared folders (changed while it is stopped), each share with the command
 * that mounts it inside the guest. */
export function Sharing({ vm, active, onSaved }: { vm: Vm; active: boolean; onSaved: (v: Vm) => void }) {
  const forwards = vm.forwards ?? [];
  const shares = vm.shares ?? [];
  const [proto, setProto] = useState<'tcp' | 'udp'>('tcp');
  const [hostPort, setHostPort] = useState('');
  const [guestPort, setGuestPort] = useState('');
  const [bind, setBind] = useState('127.0.0.1');
  const [path, setPath] = useState('');
  const [tag, setTag] = useState('');
  const [readOnly, setReadOnly] = useState(false);
  const fwd = useAction();
  const shr = useAction();

  const publicBind = bind.trim() !== '' && !bind.trim().startsWith('127.');

  return (
    <div className="sharing">
      <section aria-labelledby="forwards-title">
        <h2 id="forwards-title">Port forwards</h2>
        {forwards.length === 0 ? (
          <p className="muted">No ports are forwarded.</p>
        ) : (
          <ul aria-label="Port forwards">
            {forwards.map((f) => (
              <li key={`${f.proto}:${f.hostPort}`}>
                {f.proto} {f.bind}:{f.hostPort} → guest port {f.guestPort}
                {f.public && <strong className="error"> (reachable from other machines)</strong>}{' '}
                <button
                  type="button"
                  aria-label={`Remove forward of host port ${f.hostPort}`}
                  disabled={fwd.busy !== null}
                  onClick={() =>
                    void fwd.run('remove', async () => onSaved(await api.removeForward(vm.name, f.hostPort, f.proto)))
                  }
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        <form
          aria-label="Add a port forward"
          onSubmit={(e) => {
            e.preventDefault();
            void fwd
              .run('add', async () =>
                onSaved(
                  await api.addForward(vm.name, {
                    proto,
                    hostPort: Number(hostPort),
                    guestPort: Number(guestPort),
                    bind: bind.trim() || undefined,
                  }),
                ),
              )
              .then((ok) => {
                if (ok) {
                  setHostPort('');
                  setGuestPort('');
                }
              });
          }}
        >
          <Field label="Protocol">
            <select value={proto} onChange={(e) => setProto(e.target.value as 'tcp' | 'udp')}>
              <option value="tcp">TCP</option>
              <option value="udp">UDP</option>
            </select>
          </Field>
          <Field label="Host port">
            <input inputMode="numeric" required value={hostPort} onChange={(e) => setHostPort(e.target.value)} />
          </Field>
          <Field label="Guest port">
            <input inputMode="numeric" required value={guestPort} onChange={(e) => setGuestPort(e.target.value)} />
          </Field>
          <Field
            label="Listen on"
            hint={
              publicBind
                ? 'Warning: other machines on the network can reach this port.'
                : 'Only this machine can reach the port.'
            }
            hintClass={publicBind ? 'error' : 'muted'}
          >
            <input value={bind} onChange={(e) => setBind(e.target.value)} />
          </Field>
          <button type="submit" disabled={fwd.busy !== null}>
            {fwd.busy === 'add' ? 'Adding…' : 'Add forward'}
          </button>
        </form>
        {fwd.error && (
          <p role="alert" className="error">
            {fwd.error}
          </p>
        )}
      </section>

      <section aria-labelledby="shares-title">
        <h2 id="shares-title">Shared folders</h2>
        {shares.length === 0 ? (
          <p className="muted">No folders are shared.</p>
        ) : (
          <ul aria-label="Shared folders">
            {shares.map((s) => (
              <li key={s.tag}>
                <strong>{s.tag}</strong>: {s.path}
                {s.readOnly ? ' (read-only)' : ''}{' '}
                <button
                  type="button"
                  aria-label={`Remove shared folder ${s.tag}`}
                  disabled={active || shr.busy !== null}
                  onClick={() => void shr.run('remove', async () => onSaved(await api.removeShare(vm.name, s.tag)))}
                >
                  Remove
                </button>
                {s.mountCommand && (
                  <p className="muted">
                    In the guest: <code>{s.mountCommand}</code>
                  </p>
                )}
              </li>
            ))}
          </ul>
        )}
        <form
          aria-label="Add a shared folder"
          onSubmit={(e) => {
            e.preventDefault();
            void shr
              .run('add', async () =>
                onSaved(await api.addShare(vm.name, { path: path.trim(), tag: tag.trim() || undefined, readOnly })),
              )
              .then((ok) => {
                if (ok) {
                  setPath('');
                  setTag('');
                  setReadOnly(false);
                }
              });
          }}
        >
          <fieldset disabled={active}>
            {active && <p className="muted">Stop the VM to change its shared folders.</p>}
            <Field label="Host folder">
              <input required value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/Projects" />
            </Field>
            <Field label="Tag" hint="The name the guest mounts it by (default: the folder's name).">
              <input value={tag} onChange={(e) => setTag(e.target.value)} />
            </Field>
            <label>
              <input type="checkbox" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} /> Read-only
            </label>
            <button type="submit" disabled={shr.busy !== null}>
              {shr.busy === 'add' ? 'Adding…' : 'Add folder'}
            </button>
          </fieldset>
        </form>
        {shr.error && (
          <p role="alert" className="error">
            {shr.error}
          </p>
        )}
      </section>
    </div>
  );
}
