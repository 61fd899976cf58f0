import { useId } from 'react';
import type { Accel, HostInfo } from '../api/types';
import { accelChoices, accelNames } from '../format';

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
  const id = useId();
  const offered = host?.accels ?? [];
  const kvmFails = value === 'kvm' && host?.kvmError;
  return (
    <div className="field">
      <label htmlFor={id}>Accelerator</label>
      <select
        id={id}
        value={value}
        aria-describedby={`${id}-hint`}
        onChange={(e) => onChange(e.target.value as Accel)}
      >
        {accelChoices(offered, value).map((a) => (
          <option key={a} value={a}>
            {accelNames[a]}
            {a !== 'auto' && host && !offered.includes(a) ? ' (not available on this host)' : ''}
          </option>
        ))}
      </select>
      <p id={`${id}-hint`} className={kvmFails ? 'notice' : 'muted'}>
        {kvmFails
          ? `KVM does not work on this host: ${host.kvmError}`
          : 'Automatic uses hardware acceleration when it works here, else TCG emulation.'}
      </p>
    </div>
  );
}
