import { useState } from 'react';
import { api } from '../api/client';
import type { Accel, HostInfo, Vm } from '../api/types';
import { AccelField } from './AccelField';
import { ResolutionField } from './ResolutionField';

/** A stopped VM's resources, resolution, ISO and accelerator (disabled while it runs).
 * @host: what it offers (hostInfo), null while it loads. */
export function VmSettings({
  vm,
  running,
  host,
  onSaved,
}: {
  vm: Vm;
  running: boolean;
  host: HostInfo | null;
  onSaved: (v: Vm) => void;
}) {
  const [cpus, setCpus] = useState(vm.cpus);
  const [memoryGiB, setMemoryGiB] = useState(vm.memoryMiB / 1024);
  const [diskGiB, setDiskGiB] = useState(vm.diskGiB);
  const [resolution, setResolution] = useState(`${vm.display.width}x${vm.display.height}`);
  const [isoPath, setIsoPath] = useState(vm.isoPath ?? '');
  const [accel, setAccel] = useState<Accel>(vm.accel);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  async function save(eject = false) {
    const [w, h] = resolution.split('x').map(Number);
    const changes: Record<string, unknown> = {
      cpus,
      memoryMiB: Math.round(memoryGiB * 1024),
      width: w,
      height: h,
    };
    if (diskGiB !== vm.diskGiB) changes.diskGiB = diskGiB;
    if (accel !== vm.accel) changes.accel = accel;
    if (eject) changes.eject = true;
    else if (isoPath && isoPath !== vm.isoPath) changes.isoPath = isoPath;
    try {
      const v = await api.updateVm(vm.name, changes);
      setMessage({ ok: true, text: 'Saved.' });
      if (eject) setIsoPath('');
      onSaved(v);
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    }
  }

  return (
    <form
      className="settings-form"
      aria-label="VM settings"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <fieldset disabled={running}>
        {running && <p className="muted">Stop the VM to change its settings.</p>}
        <label className="field">
          vCPUs
          <input type="number" min={1} value={cpus} onChange={(e) => setCpus(e.target.valueAsNumber)} />
        </label>
        <label className="field">
          Memory (GiB)
          <input
            type="number"
            min={0.5}
            step={0.5}
            value={memoryGiB}
            onChange={(e) => setMemoryGiB(e.target.valueAsNumber)}
          />
        </label>
        <label className="field">
          Disk (GiB, grow only)
          <input type="number" min={vm.diskGiB} value={diskGiB} onChange={(e) => setDiskGiB(e.target.valueAsNumber)} />
        </label>
        <ResolutionField value={resolution} onChange={setResolution} />
        <label className="field">
          ISO path
          <input type="text" value={isoPath} onChange={(e) => setIsoPath(e.target.value)} spellCheck={false} />
        </label>
        <AccelField value={accel} host={host} onChange={setAccel} />
        <div className="actions">
          <button type="submit" className="primary">
            Save settings
          </button>
          {vm.isoPath && (
            <button type="button" onClick={() => void save(true)}>
              Eject ISO
            </button>
          )}
        </div>
        {message && (
          <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'error'}>
            {message.text}
          </p>
        )}
      </fieldset>
    </form>
  );
}
