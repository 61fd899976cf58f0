// The wizard's reducer on its own: steps, when Next goes on, the request.
import { describe, expect, it } from 'vitest';
import type { HostInfo, Plan, Preset } from '../api/types';
import { windows11Minimums } from '../pages/wizard/rules';
import {
  canLeave,
  currentStep,
  initialState,
  stepIds,
  toRequest,
  wizardReducer,
  type WizardAction,
  type WizardState,
} from '../pages/wizard/state';
import { fixture } from './fakeServer';

const host = fixture('hostInfo') as HostInfo;
const presets = fixture('presets') as Preset[];
const run = (...actions: WizardAction[]) => actions.reduce(wizardReducer, initialState);
const loaded: WizardAction = { type: 'loaded', host, presets };
const next: WizardAction = { type: 'next' };
const set = (choice: Extract<WizardAction, { type: 'set' }>['choice']): WizardAction => ({ type: 'set', choice });
const goodIso: WizardAction = { type: 'isoChecked', iso: { path: '/w.iso', valid: true, message: null } };

/** Linux up to Resources, with a good ISO. */
const atResources = (): WizardState => run(loaded, set({ os: 'linux' }), next, set({ isoPath: '/w.iso' }), goodIso, next, next);

describe('wizard state', () => {
  it("takes the host's arch and the recommended preset as the host can run it", () => {
    const s = run(loaded);
    expect(s.arch).toBe(host.arch);
    expect(s.preset).toBe('recommended');
    expect(s.res).toMatchObject({ cpus: 2, memoryGiB: 8, diskGiB: 128 });
  });

  it('has a licence step only for Windows 11', () => {
    expect(stepIds(run(loaded))).toContain('licence');
    expect(stepIds(run(loaded, set({ os: 'linux' })))).not.toContain('licence');
  });

  it('goes past the ISO only once the server found the path (as typed now) good', () => {
    let s = run(loaded, next, set({ isoPath: '/w.iso' }));
    expect(currentStep(s)).toBe('iso');
    expect(canLeave(s)).toBe(false);
    expect(wizardReducer(s, next).step).toBe(1);
    s = wizardReducer(s, goodIso);
    expect(canLeave(s)).toBe(true);
    // a trailing space keeps the answer; another path drops it
    expect(wizardReducer(s, set({ isoPath: '/w.iso ' })).iso).not.toBeNull();
    s = wizardReducer(s, set({ isoPath: '/x.iso' }));
    expect(s.iso).toBeNull();
    // an answer for the old path, arriving late, is dropped
    expect(wizardReducer(s, goodIso).iso).toBeNull();
  });

  it('names the VM after its OS on leaving the preset step, and a preset sets the resources', () => {
    const s = run(loaded, set({ os: 'linux' }), next, set({ isoPath: '/w.iso' }), goodIso, next, {
      type: 'preset',
      preset: presets[0],
    });
    expect(s.res).toMatchObject({ name: '', cpus: 2, memoryGiB: 4, diskGiB: 64 });
    expect(wizardReducer(s, next).res.name).toBe('Linux');
  });

  it('stays on Resources while one breaks a limit, and marks the name touched', () => {
    const s = wizardReducer(wizardReducer(atResources(), { type: 'resources', res: { cpus: 999 } }), next);
    expect(currentStep(s)).toBe('resources');
    expect(s.touched).toBe(true);
    expect(currentStep(wizardReducer(wizardReducer(s, { type: 'resources', res: { cpus: 2 } }), next))).toBe('review');
  });

  it('applies Windows 11 minimums, and asks for the licence and the express install before Review', () => {
    const min = windows11Minimums(host);
    let s = run(loaded, next, set({ isoPath: '/w.iso' }), goodIso, next, next);
    s = wizardReducer(s, { type: 'resources', res: { cpus: min.minCpus - 1 } });
    expect(canLeave(s)).toBe(false);
    s = wizardReducer(wizardReducer(s, { type: 'resources', res: { cpus: min.minCpus } }), next);
    expect(currentStep(s)).toBe('licence');
    expect(canLeave(s)).toBe(false);
    s = wizardReducer(wizardReducer(s, set({ licence: true })), next);
    expect(currentStep(s)).toBe('express');
    // no user name: no express install (Setup asks its questions)
    expect(toRequest(s).express).toBeUndefined();
    s = wizardReducer(s, { type: 'express', express: { user: ' Ada ', password: 'pw', locale: 'de-DE' } });
    s = wizardReducer(s, next);
    expect(currentStep(s)).toBe('review');
    expect(toRequest(s)).toMatchObject({
      os: 'windows11',
      acceptLicense: true,
      express: true,
      user: 'Ada',
      password: 'pw',
      locale: 'de-DE',
    });
    expect(toRequest(s).timezone).toBeUndefined();
  });

  const media = (arch: string, archWarning: string | null) => ({
    known: true,
    shortId: 'win11',
    name: `Windows 11 (${arch === 'aarch64' ? 'ARM64' : 'x64'})`,
    os: 'windows11' as const,
    arch,
    minimum: { cpus: 2, memoryMiB: 4096, diskGiB: 64 },
    recommended: { cpus: 4, memoryMiB: 8192, diskGiB: 128 },
    preset: 'light',
    archWarning,
  });

  it("a recognised ISO preselects its OS, its arch and the preset it needs", () => {
    const iso = { path: '/w.iso', valid: true, message: null, media: media(host.arch, null) };
    const s = run(loaded, set({ os: 'linux' }), next, set({ isoPath: '/w.iso' }), { type: 'isoChecked', iso });
    expect(s.os).toBe('windows11');
    expect(s.arch).toBe(host.arch);
    expect(s.preset).toBe('light');
    expect(canLeave(s)).toBe(true);
    expect(stepIds(s)).toContain('express');
  });

  it('an ISO of another arch is refused until the user chooses to emulate it', () => {
    const other = host.arch === 'aarch64' ? 'x86_64' : 'aarch64';
    const iso = { path: '/w.iso', valid: true, message: null, media: media(other, 'it would run emulated') };
    let s = run(loaded, next, set({ isoPath: '/w.iso' }), { type: 'isoChecked', iso });
    expect(s.arch).toBe(host.arch);
    expect(canLeave(s)).toBe(false);
    s = wizardReducer(s, set({ archOverride: true }));
    expect(canLeave(s)).toBe(true);
    expect(s.arch).toBe(other);
    s = wizardReducer(s, set({ archOverride: false }));
    expect(s.arch).toBe(host.arch);
  });

  it('takes the minimums from hostInfo when the API gives them', () => {
    const strict = { ...host.limits, windows11: { minCpus: 4, minMemoryMiB: 8192, minDiskGiB: 100 } };
    expect(windows11Minimums({ limits: strict })).toEqual(strict.windows11);
  });

  it('plans afresh on reaching Review, and builds the request from the state', () => {
    const plan = fixture('planVm') as Plan;
    let s = wizardReducer(atResources(), set({ resolution: '2560x1440', accel: 'tcg' }));
    s = wizardReducer(s, { type: 'resources', res: { name: ' demo ', memoryGiB: 1.5 } });
    s = wizardReducer(wizardReducer(s, next), { type: 'planned', plan });
    expect(canLeave(s)).toBe(true);
    expect(toRequest(s)).toEqual({
      name: 'demo',
      isoPath: '/w.iso',
      os: 'linux',
      arch: host.arch,
      preset: 'recommended',
      cpus: 2,
      memoryMiB: 1536,
      diskGiB: 128,
      width: 2560,
      height: 1440,
      accel: 'tcg',
    });
    s = wizardReducer(wizardReducer(s, { type: 'back' }), next);
    expect(s.plan).toBeNull();
    expect(s.planError).toBeNull();
  });

  it('gathers progress for each attempt to create', () => {
    let s = run({ type: 'progress', step: 'a' }, { type: 'creating' }, { type: 'progress', step: 'b' });
    expect(s.progress).toEqual(['b']);
    s = wizardReducer(s, { type: 'created' });
    expect(s.created).toBe(true);
  });
});
