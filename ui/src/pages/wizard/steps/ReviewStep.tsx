import type { ReactNode } from 'react';
import { CommandView } from '../../../components/CommandView';
import { accelNames, gib, osNames } from '../../../format';
import { isWindows, type WizardState } from '../state';

/** What will be made, and the exact QEMU command planVm built for it. */
export function ReviewStep({ state, children }: { state: WizardState; children?: ReactNode }) {
  const { res, plan, planError } = state;
  return (
    <fieldset>
      <legend>Review</legend>
      <dl className="facts">
        <dt>Name</dt>
        <dd>{res.name}</dd>
        <dt>System</dt>
        <dd>
          {osNames[state.os]} ({state.arch})
        </dd>
        <dt>Resources</dt>
        <dd>
          {res.cpus} vCPUs · {gib(Math.round(res.memoryGiB * 1024))} · {res.diskGiB} GiB disk · {state.resolution}
        </dd>
        <dt>ISO</dt>
        <dd className="path">{state.isoPath}</dd>
        <dt>Accelerator</dt>
        <dd>{accelNames[state.accel]}</dd>
        <dt>TPM 2.0</dt>
        <dd>{isWindows(state) ? 'on (Windows 11 requires one)' : state.tpm ? 'on' : 'off'}</dd>
      </dl>
      {planError && <p role="alert" className="error">{planError}</p>}
      {plan === null && !planError && <p>Building the command…</p>}
      {plan?.notice && <p className="notice">{plan.notice}</p>}
      {plan && (
        <>
          <h2>The QEMU command, and why each flag is there</h2>
          <CommandView command={plan.command} />
        </>
      )}
      {children}
    </fieldset>
  );
}
