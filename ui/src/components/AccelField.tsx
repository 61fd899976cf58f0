import { useId } from 'react';
import type { Accel } from '../api/types';
import { accelChoices, accelNames } from '../format';

/** The accelerator a VM asks for: Automatic, or one this host has (hostInfo.accels). */
export function AccelField({
  value,
  hostAccels,
  onChange,
}: {
  value: Accel;
  hostAccels: readonly Accel[];
  onChange: (v: Accel) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Accelerator</label>
      <select
        id={id}
        value={value}
        aria-describedby={`${id}-hint`}
        onChange={(e) => onChange(e.target.value as Accel)}
      >
        {accelChoices(hostAccels, value).map((a) => (
          <option key={a} value={a}>
            {accelNames[a]}
            {a !== 'auto' && !hostAccels.includes(a) ? ' (not available on this host)' : ''}
          </option>
        ))}
      </select>
      <p id={`${id}-hint`} className="muted">
        Automatic uses hardware acceleration when it works here, else TCG emulation.
      </p>
    </div>
  );
}
