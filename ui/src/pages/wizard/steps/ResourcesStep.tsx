import { AccelField } from '../../../components/AccelField';
import { Field, NumberInput } from '../../../components/Field';
import { ResolutionField } from '../../../components/ResolutionField';
import { isWindows, resourceErrors, type WizardState } from '../state';
import type { StepProps } from './props';

export function ResourcesStep({ state, host, dispatch }: StepProps) {
  const { res } = state;
  const errors = resourceErrors(state);
  const set = (r: Partial<typeof res>) => dispatch({ type: 'resources', res: r });
  return (
    <fieldset>
      <legend>Resources</legend>
      <Field label="Name" error={state.touched ? errors.name : undefined}>
        <input type="text" value={res.name} onChange={(e) => set({ name: e.target.value })} />
      </Field>
      <Field label="vCPUs" error={errors.cpus} hint={`1–${host.limits.maxCpus}`}>
        <NumberInput min={1} value={res.cpus} onChange={(cpus) => set({ cpus })} />
      </Field>
      <Field
        label="Memory (GiB)"
        error={errors.memoryGiB}
        hint={`up to ${(host.limits.maxMemoryMiB / 1024).toFixed(1)} GiB`}
      >
        <NumberInput min={0.5} step={0.5} value={res.memoryGiB} onChange={(memoryGiB) => set({ memoryGiB })} />
      </Field>
      <Field label="Disk (GiB)" error={errors.diskGiB} hint="grows as the guest writes">
        <NumberInput min={1} value={res.diskGiB} onChange={(diskGiB) => set({ diskGiB })} />
      </Field>
      <ResolutionField
        value={state.resolution}
        onChange={(resolution) => dispatch({ type: 'set', choice: { resolution } })}
      />
      <details
        className="advanced"
        open={state.advancedOpen}
        onToggle={(e) => dispatch({ type: 'set', choice: { advancedOpen: e.currentTarget.open } })}
      >
        <summary>Advanced</summary>
        <AccelField value={state.accel} host={host} onChange={(accel) => dispatch({ type: 'set', choice: { accel } })} />
        <TpmField state={state} onChange={(tpm) => dispatch({ type: 'set', choice: { tpm } })} />
      </details>
    </fieldset>
  );
}

/** What a TPM is for, and whether this guest gets one: always for Windows
 * 11, which refuses to install without; a choice otherwise, off by default
 * because under emulation the firmware measuring every image it loads into
 * the TPM costs seconds of boot. */
export const tpmPurpose =
  'A TPM 2.0 keeps keys the guest seals to this VM: measured boot, and disk encryption (BitLocker, LUKS with systemd-cryptenroll) that unlocks without a passphrase.';

function TpmField({ state, onChange }: { state: WizardState; onChange: (tpm: boolean) => void }) {
  const windows = isWindows(state);
  return (
    <div className="field">
      <label>
        <input
          type="checkbox"
          checked={windows || state.tpm}
          disabled={windows}
          aria-describedby="tpm-hint"
          onChange={(e) => onChange(e.target.checked)}
        />{' '}
        TPM 2.0
      </label>
      <p id="tpm-hint" className="muted">
        {tpmPurpose}{' '}
        {windows
          ? 'Windows 11 requires one, so it is always on.'
          : 'Linux does not need one; without it the VM boots faster under emulation.'}
      </p>
    </div>
  );
}
