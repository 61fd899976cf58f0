import { gib } from '../../../format';
import type { StepProps } from './props';

/** The presets as the host can run them: their numbers (vCPUs and memory
 * clamped to the host, with the server's notice when they were). */
export function PresetStep({ state, dispatch }: Omit<StepProps, 'host'>) {
  return (
    <fieldset>
      <legend>How big a machine?</legend>
      <div className="cards" role="radiogroup" aria-label="Preset">
        {state.presets.map((p) => (
          <label key={p.name} className={`card ${state.preset === p.name ? 'selected' : ''}`}>
            <input
              type="radio"
              name="preset"
              value={p.name}
              checked={state.preset === p.name}
              onChange={() => dispatch({ type: 'preset', preset: p })}
            />
            <span className="card-title">{p.name[0].toUpperCase() + p.name.slice(1)}</span>
            <span>
              {p.effective.cpus} vCPUs · {gib(p.effective.memoryMiB)} · {p.diskGiB} GiB
            </span>
            {p.notice && <span className="notice">{p.notice}</span>}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
