import { useState } from 'react';
import { api, inDesktopApp } from '../api/client';
import type { Vm } from '../api/types';
import { Remotes } from '../components/Remotes';
import { StateBadge } from '../components/StateBadge';
import { Thumbnail } from '../components/Thumbnail';
import { displayForHere, gib, isActive, osNames, vmHref } from '../format';
import { usePoll } from '../usePoll';

export function Library() {
  const { data: vms, error, reload } = usePoll(api.listVms, 2000);
  // what is under way for each VM (by name)
  const [busy, setBusy] = useState<Record<string, string>>({});
  const [actionError, setActionError] = useState<string | null>(null);

  async function act(vm: Vm, what: 'start' | 'pause' | 'resume' | 'stop') {
    setBusy((b) => ({ ...b, [vm.name]: what }));
    setActionError(null);
    try {
      if (what === 'start') await api.startVm(vm.name, displayForHere(inDesktopApp()), () => {});
      else if (what === 'pause') await api.pauseVm(vm.name);
      else if (what === 'resume') await api.resumeVm(vm.name);
      else await api.stopVm(vm.name);
    } catch (e) {
      setActionError(`${vm.name}: ${(e as Error).message}`);
    } finally {
      // a Stop may have taken over from a start
      setBusy(({ [vm.name]: mine, ...rest }) => (mine === what ? rest : { ...rest, [vm.name]: mine }));
      await reload();
    }
  }

  return (
    <section aria-labelledby="library-title">
      <div className="page-head">
        <h1 id="library-title">Library</h1>
        {vms && vms.length > 0 && (
          <a className="button primary" href="#/new">
            New VM
          </a>
        )}
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {actionError && <p role="alert" className="error">{actionError}</p>}
      {vms === null && !error && <p>Loading…</p>}
      {vms && vms.length === 0 && (
        <div className="empty">
          <h2>No virtual machines yet</h2>
          <p>Create one from an installer ISO: Windows 11, a Linux distribution, or anything else.</p>
          <a className="button primary" href="#/new">
            Create your first VM
          </a>
        </div>
      )}
      {vms && vms.length > 0 && (
        <table className="vms">
          <caption className="sr-only">Virtual machines</caption>
          <thead>
            <tr>
              <th scope="col">
                <span className="sr-only">Screen</span>
              </th>
              <th scope="col">Name</th>
              <th scope="col">State</th>
              <th scope="col">OS</th>
              <th scope="col">vCPUs</th>
              <th scope="col">Memory</th>
              <th scope="col">Disk</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {vms.map((vm) => (
              <tr key={vm.id}>
                <td>
                  <Thumbnail vm={vm.name} state={vm.state} />
                </td>
                <th scope="row">
                  <a href={vmHref(vm.name)}>{vm.name}</a>
                </th>
                <td>
                  <StateBadge state={vm.state} label={`${vm.name} is ${vm.state}`} reason={vm.status.reason} />
                  {vm.status.reason && <span className="state-reason">{vm.status.reason}</span>}
                </td>
                <td>
                  {osNames[vm.os]} <span className="muted">{vm.arch}</span>
                </td>
                <td>{vm.cpus}</td>
                <td>{gib(vm.memoryMiB)}</td>
                <td>{vm.diskGiB} GiB</td>
                <td className="row-actions">
                  {isActive(vm.state) ? (
                    <>
                      {vm.state === 'paused' ? (
                        <button
                          type="button"
                          aria-label={`Resume ${vm.name}`}
                          disabled={vm.name in busy}
                          onClick={() => void act(vm, 'resume')}
                        >
                          Resume
                        </button>
                      ) : (
                        <button
                          type="button"
                          aria-label={`Pause ${vm.name}`}
                          disabled={vm.name in busy || vm.state !== 'running'}
                          onClick={() => void act(vm, 'pause')}
                        >
                          Pause
                        </button>
                      )}
                      <button
                        type="button"
                        aria-label={`Stop ${vm.name}`}
                        disabled={busy[vm.name] === 'stop'}
                        onClick={() => void act(vm, 'stop')}
                      >
                        Stop
                      </button>
                    </>
                  ) : (
                    <button
                      type="button"
                      className="primary"
                      aria-label={`Start ${vm.name}`}
                      disabled={vm.name in busy}
                      onClick={() => void act(vm, 'start')}
                    >
                      Start
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Remotes />
    </section>
  );
}
