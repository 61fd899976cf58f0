// Remote libvirt hosts as sections of the library (listRemotes): each host's
// domains with their state, vCPUs and memory, started and stopped through
// libvirt (remoteAction). Nothing shows where there are no remotes.
import { useState } from 'react';
import { api } from '../api/client';
import type { Remote, RemoteDomain } from '../api/types';
import { gib } from '../format';
import { usePoll } from '../usePoll';

export function Remotes() {
  const { data: remotes, error, reload } = usePoll(api.listRemotes, 5000);
  const [busy, setBusy] = useState<Record<string, string>>({});
  const [actionError, setActionError] = useState<string | null>(null);

  async function act(r: Remote, d: RemoteDomain, what: 'start' | 'stop') {
    const key = `${d.name}@${r.name}`;
    setBusy((b) => ({ ...b, [key]: what }));
    setActionError(null);
    try {
      await api.remoteAction(r.name, d.name, what);
    } catch (e) {
      setActionError(`${key}: ${(e as Error).message}`);
    } finally {
      setBusy(({ [key]: _done, ...rest }) => rest);
      await reload();
    }
  }

  if (error) return <p role="alert" className="error">{`Remote hosts: ${error}`}</p>;
  if (!remotes || remotes.length === 0) return null;
  return (
    <>
      {actionError && <p role="alert" className="error">{actionError}</p>}
      {remotes.map((r) => (
        <section key={r.name} aria-labelledby={`remote-${r.name}`} className="remote">
          <h2 id={`remote-${r.name}`}>
            @{r.name} <span className="muted">{r.uri}</span>
          </h2>
          {r.error !== undefined && <p className="error">{`Unreachable: ${r.error}`}</p>}
          {r.domains && r.domains.length === 0 && <p className="muted">No domains</p>}
          {r.domains && r.domains.length > 0 && (
            <table className="vms">
              <caption className="sr-only">{`Domains on ${r.name}`}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">State</th>
                  <th scope="col">vCPUs</th>
                  <th scope="col">Memory</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {r.domains.map((d) => {
                  const key = `${d.name}@${r.name}`;
                  const running = d.state === 'running' || d.state === 'paused';
                  return (
                    <tr key={key}>
                      <th scope="row">{key}</th>
                      <td>{d.state}</td>
                      <td>{d.cpus}</td>
                      <td>{gib(d.memoryMiB)}</td>
                      <td className="row-actions">
                        <button
                          type="button"
                          className={running ? undefined : 'primary'}
                          aria-label={`${running ? 'Stop' : 'Start'} ${key}`}
                          disabled={key in busy}
                          onClick={() => void act(r, d, running ? 'stop' : 'start')}
                        >
                          {running ? 'Stop' : 'Start'}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </>
  );
}
