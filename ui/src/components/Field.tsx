import { cloneElement, useId, type ReactElement, type ReactNode } from 'react';

/** A labelled control with its error (an alert, the control marked invalid)
 * or else its hint, both tied to the control by aria-describedby. The one
 * child gets the id, so any input, select or component that passes its
 * props on to one works. */
export function Field({
  label,
  error,
  hint,
  hintClass = 'muted',
  children,
}: {
  label: string;
  error?: string;
  hint?: ReactNode;
  hintClass?: string;
  children: ReactElement<Record<string, unknown>>;
}) {
  const id = useId();
  const described = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': described })}
      {error ? (
        <p id={`${id}-error`} className="error" role="alert">
          {error}
        </p>
      ) : (
        hint && (
          <p id={`${id}-hint`} className={hintClass}>
            {hint}
          </p>
        )
      )}
    </div>
  );
}

/** A number input whose empty or unfinished text is NaN, not 0. */
export function NumberInput({
  value,
  onChange,
  ...rest
}: {
  value: number;
  onChange: (v: number) => void;
  min?: number;
  step?: number;
}) {
  return (
    <input
      type="number"
      {...rest}
      value={Number.isNaN(value) ? '' : value}
      onChange={(e) => onChange(e.target.valueAsNumber)}
    />
  );
}
