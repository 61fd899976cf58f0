// The wizard's shell: loads the host and the presets, checks the ISO as it
// is typed, asks planVm on reaching Review and createVm on Create VM, and
// shows the step the reducer (./state) is on.
import { useEffect, useReducer } from 'react';
import { api } from '../../api/client';
import { vmHref } from '../../format';
import { messageOf, useAction } from '../../useAction';
import { canLeave, currentStep, initialState, stepIds, stepTitles, toRequest, wizardReducer } from './state';
import { CreateProgress } from './steps/CreateProgress';
import { ExpressStep } from './steps/ExpressStep';
import { IsoStep } from './steps/IsoStep';
import { LicenceStep, licenceNeededId } from './steps/LicenceStep';
import { OsStep } from './steps/OsStep';
import { PresetStep } from './steps/PresetStep';
import { ResourcesStep } from './steps/ResourcesStep';
import { ReviewStep } from './steps/ReviewStep';

export function Wizard() {
  const [state, dispatch] = useReducer(wizardReducer, initialState);
  const load = useAction();
  const create = useAction();
  const current = currentStep(state);

  useEffect(() => {
    void load.run('load', async () => {
      const [host, presets] = await Promise.all([api.hostInfo(), api.presets()]);
      dispatch({ type: 'loaded', host, presets });
    });
  }, [load.run]);

  // The ISO is checked by the server as it is typed.
  const path = state.isoPath.trim();
  useEffect(() => {
    if (!path) return;
    const t = setTimeout(() => {
      api.validateIso(path).then(
        (iso) => dispatch({ type: 'isoChecked', iso }),
        (e: unknown) => dispatch({ type: 'isoChecked', iso: { path, valid: false, message: messageOf(e) } }),
      );
    }, 250);
    return () => clearTimeout(t);
  }, [path]);

  // Review shows the exact command: planned afresh each time it is reached.
  useEffect(() => {
    if (current !== 'review') return;
    let live = true;
    api.planVm(toRequest(state)).then(
      (plan) => live && dispatch({ type: 'planned', plan }),
      (e: unknown) => live && dispatch({ type: 'planFailed', message: messageOf(e) }),
    );
    return () => {
      live = false;
    };
    // on reaching Review, with the state as it was then: nothing on Review changes it
  }, [current]);

  if (load.error) return <p role="alert" className="error">{load.error}</p>;
  const host = state.host;
  if (!host) return <p>Loading…</p>;

  const creating = create.busy === 'create' || state.created;
  const ids = stepIds(state);
  const step = { state, host, dispatch };
  return (
    <section aria-labelledby="wizard-title" className="wizard">
      <h1 id="wizard-title">New virtual machine</h1>
      <ol className="steps" aria-label="Steps">
        {ids.map((id, i) => (
          <li key={id} aria-current={i === state.step ? 'step' : undefined} className={i < state.step ? 'done' : ''}>
            {stepTitles[id]}
          </li>
        ))}
      </ol>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (current !== 'review') dispatch({ type: 'next' });
          else
            void create.run('create', async () => {
              dispatch({ type: 'creating' });
              const vm = await api.createVm(toRequest(state), (s) => dispatch({ type: 'progress', step: s }));
              dispatch({ type: 'created' });
              location.hash = vmHref(vm.name);
            });
        }}
      >
        {current === 'os' && <OsStep {...step} />}
        {current === 'iso' && <IsoStep {...step} />}
        {current === 'preset' && <PresetStep {...step} />}
        {current === 'resources' && <ResourcesStep {...step} />}
        {current === 'licence' && <LicenceStep {...step} />}
        {current === 'express' && <ExpressStep {...step} />}
        {current === 'review' && (
          <ReviewStep state={state}>
            <CreateProgress creating={creating} progress={state.progress} error={create.error} />
          </ReviewStep>
        )}

        <div className="actions">
          {state.step > 0 && (
            <button type="button" onClick={() => dispatch({ type: 'back' })} disabled={creating}>
              Back
            </button>
          )}
          {current === 'review' ? (
            <button type="submit" className="primary" disabled={!state.plan || creating}>
              {creating ? 'Creating…' : 'Create VM'}
            </button>
          ) : (
            <button
              type="submit"
              className="primary"
              disabled={!canLeave(state)}
              aria-describedby={current === 'licence' && !state.licence ? licenceNeededId : undefined}
            >
              Next
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
