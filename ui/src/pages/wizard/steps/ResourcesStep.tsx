import { AccelField } from '../../../components/AccelField';
import { Field, NumberInput } from '../../../components/Field';
import { ResolutionField } from '../../../components/ResolutionField';
import { resourceErrors } from '../state';
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
      </details>
    </fieldset>
  );
}
