import type { Accel, HostInfo } from '../api/types';
import { accelChoices, accelNames } from '../format';
import { Field } from './Field';

/** The accelerator a VM asks for: Automatic, or one this host offers
 * (hostInfo.accels); when KVM is chosen on a host where it fails, why. */
export function AccelField({
  value,
  host,
  onChange,
}: {
  value: Accel;
  host: Pick<HostInfo, 'accels' | 'kvmError'> | null;
  onChange: (v: Accel) => void;
}) {
  const offered = host?.accels ?? [];
  const kvmFails = value === 'kvm' && host?.kvmError;
  return (
    <Field
      label="Accelerator"
      hintClass={kvmFails ? 'notice' : 'muted'}
      hint={
        kvmFails
          ? `KVM does not work on this host: ${host.kvmError}`
          : 'Automatic uses hardware acceleration when it works here, else TCG emulation.'
      }
    >
      <select value={value} onChange={(e) => onChange(e.target.value as Accel)}>
        {accelChoices(offered, value).map((a) => (
          <option key={a} value={a}>
            {accelNames[a]}
            {a !== 'auto' && host && !offered.includes(a) ? ' (not available on this host)' : ''}
          </option>
        ))}
      </select>
    </Field>
  );
}
