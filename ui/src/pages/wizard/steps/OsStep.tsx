import { arches, oses, type Arch, type Os } from '../../../api/types';
import { Field } from '../../../components/Field';
import { osNames } from '../../../format';
import type { StepProps } from './props';

const osHints: Record<Os, string> = {
  windows11: 'TPM 2.0 and Secure Boot included',
  linux: 'Any distribution’s installer',
  other: 'Anything that boots from an ISO',
};

export function OsStep({ state, host, dispatch }: StepProps) {
  return (
    <fieldset>
      <legend>Which operating system will you install?</legend>
      <div className="cards" role="radiogroup" aria-label="Operating system">
        {oses.map((o) => (
          <label key={o} className={`card ${state.os === o ? 'selected' : ''}`}>
            <input
              type="radio"
              name="os"
              value={o}
              checked={state.os === o}
              onChange={() => dispatch({ type: 'set', choice: { os: o } })}
            />
            <span className="card-title">{osNames[o]}</span>
            <span className="muted">{osHints[o]}</span>
          </label>
        ))}
      </div>
      <Field label="Architecture">
        <select
          value={state.arch}
          onChange={(e) => dispatch({ type: 'set', choice: { arch: e.target.value as Arch } })}
        >
          {arches.map((a) => (
            <option key={a} value={a}>
              {a}
              {host.arch === a ? ' (this host)' : ' (emulated)'}
            </option>
          ))}
        </select>
      </Field>
    </fieldset>
  );
}
