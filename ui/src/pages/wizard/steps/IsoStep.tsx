import { api, inDesktopApp } from '../../../api/client';
import type { StepProps } from './props';

export function IsoStep({ state, dispatch }: Omit<StepProps, 'host'>) {
  const { iso, isoPath } = state;
  const setPath = (p: string) => dispatch({ type: 'set', choice: { isoPath: p } });
  return (
    <fieldset>
      <legend>The installer ISO</legend>
      <div className="field">
        <label htmlFor="iso-path">ISO path</label>
        <div className="row">
          <input
            id="iso-path"
            type="text"
            value={isoPath}
            placeholder="/home/you/Downloads/Win11_English_Arm64.iso"
            aria-invalid={iso !== null && !iso.valid}
            aria-describedby="iso-message"
            onChange={(e) => setPath(e.target.value)}
            autoFocus
            spellCheck={false}
          />
          {inDesktopApp() && (
            <button type="button" onClick={() => void api.chooseIso().then((p) => p && setPath(p))}>
              Browse…
            </button>
          )}
        </div>
        <p id="iso-message" className={iso?.valid ? 'ok' : 'error'} role="status">
          {iso === null
            ? isoPath
              ? 'Checking…'
              : 'The path of the ISO file on this machine.'
            : iso.valid
              ? iso.media?.known && iso.media.name
                ? `${iso.media.name}: a bootable installer image.`
                : 'A bootable installer image.'
              : iso.message}
        </p>
      </div>
      {iso?.valid && iso.media?.archWarning && (
        <div className="field">
          <p role="alert" className="error">
            {iso.media.archWarning}
          </p>
          <label className="check">
            <input
              type="checkbox"
              checked={state.archOverride}
              onChange={(e) => dispatch({ type: 'set', choice: { archOverride: e.target.checked } })}
            />
            Emulate {iso.media.arch} anyway (many times slower)
          </label>
        </div>
      )}
    </fieldset>
  );
}
