import { useCallback, useEffect, useState } from 'react';
import { api, followVm, inDesktopApp } from '../api/client';
import type { Command, HostInfo, Status, Vm, VmState } from '../api/types';
import { CloneDialog } from '../components/CloneDialog';
import { CommandView } from '../components/CommandView';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Console } from '../components/Console';
import { GuestFacts } from '../components/GuestFacts';
import { Logs } from '../components/Logs';
import { Sharing } from '../components/Sharing';
import { Snapshots } from '../components/Snapshots';
import { StateBadge } from '../components/StateBadge';
import { VmSettings } from '../components/VmSettings';
import { accelNames, bytes, displayForHere, gib, isActive, osNames } from '../format';
import { useAction } from '../useAction';

type Tab = 'console' | 'logs' | 'snapshots' | 'settings' | 'sharing' | 'command';
const tabNames: Record<Tab, string> = {
  console: 'Console',
  logs: 'Logs',
  snapshots: 'Snapshots',
  settings: 'Settings',
  sharing: 'Ports & folders',
  command: 'Command',
};
type Confirm = 'reset' | 'delete' | 'clone' | null;
const busyLabels: Record<string, string> = {
  start: 'Starting…',
  stop: 'Stopping…',
  pause: 'Pausing…',
  resume: 'Resuming…',
};

/** Why this VM runs under TCG though the host has /dev/kvm: the command's
 * dropped "hardware acceleration" entry, else the host's kvmError. */
export function tcgWhy(command: Command | null, host: HostInfo | null): string | null {
  if (!command || command.accel !== 'tcg') return null;
  const dropped = command.dropped.find((d) => d.what === 'hardware acceleration');
  return dropped?.why ?? host?.kvmError ?? null;
}

export function VmDetail({ name }: { name: string }) {
  const [vm, setVm] = useState<Vm | null>(null);
  const [state, setState] = useState<VmState>('stopped');
  const [display, setDisplay] = useState<string | null>(null);
  const [reason, setReason] = useState<string | null>(null);
  const [host, setHost] = useState<HostInfo | null>(null);
  const { busy, error, setError, run: runAction } = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('console');
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [command, setCommand] = useState<Command | null>(null);
  const [commandError, setCommandError] = useState<string | null>(null);

  // A status from an event or from an action's answer.
  const applyStatus = useCallback(
    (s: Status) => {
      setState(s.state);
      setDisplay(s.display);
      setReason(s.reason);
      // the record changes when a run ends (lastExit)
      if (!isActive(s.state)) api.showVm(name).then(setVm, () => {});
    },
    [name],
  );

  useEffect(() => {
    api
      .showVm(name)
      .then((v) => {
        setVm(v);
        setState(v.state);
        setDisplay(v.status.display);
        setReason(v.status.reason);
      })
      .catch((e: Error) => setError(e.message));
    api.hostInfo().then(setHost, () => {});
    // State changes arrive as server-sent events.
    const abort = new AbortController();
    const follow = () =>
      followVm(
        name,
        null,
        {
          state: applyStatus,
          gone: () => setError(`VM '${name}' is gone`),
        },
        abort.signal,
      ).catch(() => {
        if (!abort.signal.aborted) setTimeout(follow, 2000);
      });
    void follow();
    return () => abort.abort();
  }, [name, applyStatus, setError]);

  // The command (for its tab, and for why the VM runs under TCG), again
  // whenever the record changes.
  useEffect(() => {
    if (!vm) return;
    setCommandError(null);
    api.vmCommand(name).then(setCommand, (e: Error) => setCommandError(e.message));
  }, [name, vm]);

  // (a Stop or Force stop may take over from a start or a stop: busy says the latest)
  function run(label: string, action: () => Promise<unknown>) {
    setNotice(null);
    return runAction(label, action);
  }

  if (!vm) return error ? <p role="alert" className="error">{error}</p> : <p>Loading…</p>;
  const active = isActive(state);
  const running = state === 'running';
  const paused = state === 'paused';
  // a paused VM's screen stays (frozen), so resuming needs no reconnect
  const hasScreen = running || paused;
  const desktop = inDesktopApp();
  const whyTcg = tcgWhy(command, host);
  const act = (label: string, op: (vm: string) => Promise<Status>) =>
    void run(label, async () => applyStatus(await op(vm.name)));
  // Stop and Force stop work in every live state, also while a start or a
  // (graceful) stop is still under way.
  const canStop = active && (busy === null || busy === 'start');
  const canKill = active && busy !== 'kill';

  return (
    <section aria-labelledby="vm-title" className="detail">
      <div className="page-head">
        <h1 id="vm-title">{vm.name}</h1>
        <StateBadge state={state} reason={reason} />
      </div>
      {reason && (
        <p className="notice" id="state-reason">
          {reason}
        </p>
      )}
      {whyTcg && (
        <p className="notice">
          {active ? 'Running under TCG emulation' : 'Runs under TCG emulation'}: {whyTcg}
        </p>
      )}
      <p className="muted">
        {osNames[vm.os]} · {vm.arch} · {vm.cpus} vCPUs · {gib(vm.memoryMiB)} · {vm.diskGiB} GiB disk
        {vm.diskUsage ? ` (${bytes(vm.diskUsage.allocatedBytes)} used on the host)` : ''} · {vm.display.width} ×{' '}
        {vm.display.height}
        {vm.tpm.enabled ? ' · TPM 2.0' : ''}
        {vm.firmware.secureBoot ? ' · Secure Boot' : ''}
        {vm.accel !== 'auto' ? ` · ${accelNames[vm.accel]}` : ''}
      </p>
      {vm.lastExit && !active && (
        <p className={state === 'crashed' ? 'error' : 'muted'}>
          Last exit: {vm.lastExit.kind}
          {vm.lastExit.reason ? ` (${vm.lastExit.reason})` : ''}
        </p>
      )}
      <div className="actions" role="group" aria-label="VM actions">
        <button
          type="button"
          className="primary"
          disabled={active || busy !== null}
          onClick={() =>
            void run('start', async () => {
              await api.startVm(vm.name, displayForHere(desktop), (s) => setNotice(s));
              setNotice(null);
            })
          }
        >
          {busy === 'start' ? busyLabels.start : 'Start'}
        </button>
        {paused ? (
          <button type="button" disabled={busy !== null} onClick={() => act('resume', api.resumeVm)}>
            {busy === 'resume' ? busyLabels.resume : 'Resume'}
          </button>
        ) : (
          <button type="button" disabled={!running || busy !== null} onClick={() => act('pause', api.pauseVm)}>
            {busy === 'pause' ? busyLabels.pause : 'Pause'}
          </button>
        )}
        <button type="button" disabled={!canStop} onClick={() => act('stop', api.stopVm)}>
          {busy === 'stop' ? busyLabels.stop : 'Stop'}
        </button>
        <button type="button" disabled={!canKill} onClick={() => act('kill', api.killVm)}>
          Force stop
        </button>
        <button type="button" disabled={busy !== null} onClick={() => setConfirm('clone')}>
          Clone…
        </button>
        <button type="button" disabled={active || busy !== null} onClick={() => setConfirm('reset')}>
          Reset NVRAM…
        </button>
        <button type="button" className="danger" disabled={active || busy !== null} onClick={() => setConfirm('delete')}>
          Move to Trash…
        </button>
      </div>
      {notice && busy && <p role="status">{notice}</p>}
      {notice && !busy && !error && <p className="ok">{notice}</p>}
      {error && <p role="alert" className="error">{error}</p>}
      {running && <GuestFacts vm={vm.name} />}

      <div role="tablist" aria-label="VM views" className="tabs">
        {(Object.keys(tabNames) as Tab[]).map((t) => (
          <button
            key={t}
            id={`tab-${t}`}
            role="tab"
            type="button"
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            onClick={() => setTab(t)}
          >
            {tabNames[t]}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="panel">
        {tab === 'console' &&
          (hasScreen && display === 'vnc' && !desktop ? (
            <Console vm={vm.name} />
          ) : hasScreen ? (
            <p className="muted">
              {display === 'window'
                ? 'The screen is in QEMU’s own window on this desktop.'
                : 'This VM runs without a shared screen.'}
            </p>
          ) : (
            <p className="muted">Start the VM to see its screen here.</p>
          ))}
        {tab === 'logs' && <Logs vm={vm.name} />}
        {tab === 'snapshots' && (
          <Snapshots vm={vm.name} active={active} onChanged={() => api.showVm(name).then(setVm, () => {})} />
        )}
        {tab === 'settings' && (
          <VmSettings
            key={vm.id + String(active)}
            vm={vm}
            running={active}
            host={host}
            onSaved={setVm}
          />
        )}
        {tab === 'sharing' && <Sharing vm={vm} active={active} onSaved={setVm} />}
        {tab === 'command' &&
          (command ? (
            <CommandView command={command} />
          ) : commandError ? (
            <p role="alert" className="error">
              {commandError}
            </p>
          ) : (
            <p>Loading…</p>
          ))}
      </div>

      {confirm === 'clone' && <CloneDialog vm={vm.name} active={active} onClose={() => setConfirm(null)} />}
      {confirm === 'reset' && (
        <ConfirmDialog
          title={`Reset the NVRAM of ${vm.name}?`}
          message="The UEFI variables (boot entries, Secure Boot keys) go back to the firmware's template. The disk is not touched."
          confirmLabel="Reset NVRAM"
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            setConfirm(null);
            void run('reset', async () => {
              await api.resetNvram(vm.name);
              setNotice('The NVRAM was reset.');
            });
          }}
        />
      )}
      {confirm === 'delete' && (
        <ConfirmDialog
          title={`Move ${vm.name} to the Trash?`}
          message="The VM's bundle (disk, NVRAM, TPM state, logs) goes to the Trash, where you can still restore it."
          confirmLabel="Move to Trash"
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            setConfirm(null);
            void run('delete', async () => {
              await api.deleteVm(vm.name);
              location.hash = '#/';
            });
          }}
        />
      )}
    </section>
  );
}
