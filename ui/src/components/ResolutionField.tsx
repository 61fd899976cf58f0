import { resolutions } from '../format';
import { Field } from './Field';

/** The screen resolution as WxH: the usual ones, plus the current value when it is another. */
export function ResolutionField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const options: string[] = (resolutions as readonly string[]).includes(value)
    ? [...resolutions]
    : [value, ...resolutions];
  return (
    <Field label="Resolution">
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((r) => (
          <option key={r} value={r}>
            {r.replace('x', ' × ')}
          </option>
        ))}
      </select>
    </Field>
  );
}
