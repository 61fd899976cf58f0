import { useState } from 'react';
import { api } from '../api/client';
import type { Accel, HostInfo, UpdateRequest, Vm } from '../api/types';
import { parseResolution, resolutionText } from '../format';
import { useAction } from '../useAction';
import { AccelField } from './AccelField';
import { Field, NumberInput } from './Field';
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
  const [resolution, setResolution] = useState(resolutionText(vm.display));
  const [isoPath, setIsoPath] = useState(vm.isoPath ?? '');
  const [accel, setAccel] = useState<Accel>(vm.accel);
  const [saved, setSaved] = useState(false);
  const action = useAction();

  function save(eject = false) {
    const changes: UpdateRequest = {
      cpus,
      memoryMiB: Math.round(memoryGiB * 1024),
      ...parseResolution(resolution),
    };
    if (diskGiB !== vm.diskGiB) changes.diskGiB = diskGiB;
    if (accel !== vm.accel) changes.accel = accel;
    if (eject) changes.eject = true;
    else if (isoPath && isoPath !== vm.isoPath) changes.isoPath = isoPath;
    setSaved(false);
    void action.run('save', async () => {
      const v = await api.updateVm(vm.name, changes);
      setSaved(true);
      if (eject) setIsoPath('');
      onSaved(v);
    });
  }

  return (
    <form
      className="settings-form"
      aria-label="VM settings"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <fieldset disabled={running}>
        {running && <p className="muted">Stop the VM to change its settings.</p>}
        <Field label="vCPUs">
          <NumberInput min={1} value={cpus} onChange={setCpus} />
        </Field>
        <Field label="Memory (GiB)">
          <NumberInput min={0.5} step={0.5} value={memoryGiB} onChange={setMemoryGiB} />
        </Field>
        <Field label="Disk (GiB, grow only)">
          <NumberInput min={vm.diskGiB} value={diskGiB} onChange={setDiskGiB} />
        </Field>
        <ResolutionField value={resolution} onChange={setResolution} />
        <Field label="ISO path">
          <input type="text" value={isoPath} onChange={(e) => setIsoPath(e.target.value)} spellCheck={false} />
        </Field>
        <AccelField value={accel} host={host} onChange={setAccel} />
        <div className="actions">
          <button type="submit" className="primary">
            Save settings
          </button>
          {vm.isoPath && (
            <button type="button" onClick={() => save(true)}>
              Eject ISO
            </button>
          )}
        </div>
        {saved && !action.error && (
          <p role="status" className="ok">
            Saved.
          </p>
        )}
        {action.error && (
          <p role="alert" className="error">
            {action.error}
          </p>
        )}
      </fieldset>
    </form>
  );
}
