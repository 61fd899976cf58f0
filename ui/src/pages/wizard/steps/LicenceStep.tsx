import type { StepProps } from './props';

/** The id of the reason Next is disabled here (the shell's Next points to it). */
export const licenceNeededId = 'licence-needed';

export function LicenceStep({ state, dispatch }: Omit<StepProps, 'host'>) {
  return (
    <fieldset>
      <legend>Windows licence</legend>
      <p>
        Windows 11 is Microsoft's software. BridgeVM does not include or license it: you need your own licence,
        and you accept Microsoft's terms when you install it.
      </p>
      <label className="check">
        <input
          type="checkbox"
          checked={state.licence}
          onChange={(e) => dispatch({ type: 'set', choice: { licence: e.target.checked } })}
        />
        I have a Windows 11 licence and accept Microsoft's licence terms
      </label>
      {!state.licence && (
        <p className="error" id={licenceNeededId}>
          Accept the licence terms to continue.
        </p>
      )}
    </fieldset>
  );
}
