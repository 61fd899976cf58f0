// The wizard's state and every change to it, as a reducer: what each step
// shows, when Next may go on, and the request planVm and createVm get.
import { arches, type Accel, type Arch, type CreateRequest, type HostInfo, type Os, type Plan, type Preset, type PresetName, type ValidateIso } from '../../api/types';
import { parseResolution } from '../../format';
import { checkResources, resourcesOf, type ResourceErrors, type Resources } from './rules';

export type StepId = 'os' | 'iso' | 'preset' | 'resources' | 'licence' | 'express' | 'review';
export const stepTitles: Record<StepId, string> = {
  os: 'Operating system',
  iso: 'Installer ISO',
  preset: 'Preset',
  resources: 'Resources',
  licence: 'Licence',
  express: 'Express install',
  review: 'Review',
};

export interface WizardState {
  host: HostInfo | null;
  presets: Preset[];
  step: number;
  os: Os;
  arch: Arch;
  isoPath: string;
  /** The server's word on isoPath (trimmed); null while it is being checked. */
  iso: ValidateIso | null;
  preset: PresetName;
  res: Resources;
  /** Next was pressed on Resources: the name's error shows from then on. */
  touched: boolean;
  resolution: string;
  accel: Accel;
  advancedOpen: boolean;
  licence: boolean;
  plan: Plan | null;
  planError: string | null;
  /** createVm's progress steps, as they arrive. */
  progress: string[];
  /** createVm succeeded: the page is on its way to the VM. */
  created: boolean;
  /** The user chose to emulate an ISO of another arch than the host's. */
  archOverride: boolean;
  express: Express;
}

/** The express (unattended) Windows install's choices; empty text: the host's. */
export interface Express {
  on: boolean;
  user: string;
  password: string;
  locale: string;
  timezone: string;
  drivers: string;
}

/** The choices a control sets directly. */
export type Choice = Partial<
  Pick<WizardState, 'os' | 'arch' | 'isoPath' | 'resolution' | 'accel' | 'advancedOpen' | 'licence' | 'archOverride'>
>;

export type WizardAction =
  | { type: 'loaded'; host: HostInfo; presets: Preset[] }
  | { type: 'set'; choice: Choice }
  | { type: 'isoChecked'; iso: ValidateIso }
  | { type: 'preset'; preset: Preset }
  | { type: 'resources'; res: Partial<Resources> }
  | { type: 'express'; express: Partial<Express> }
  | { type: 'next' }
  | { type: 'back' }
  | { type: 'planned'; plan: Plan }
  | { type: 'planFailed'; message: string }
  | { type: 'creating' }
  | { type: 'progress'; step: string }
  | { type: 'created' };

export const initialState: WizardState = {
  host: null,
  presets: [],
  step: 0,
  os: 'windows11',
  arch: 'x86_64',
  isoPath: '',
  iso: null,
  preset: 'recommended',
  res: { name: '', cpus: 2, memoryGiB: 4, diskGiB: 64 },
  touched: false,
  resolution: '1920x1080',
  accel: 'auto',
  advancedOpen: false,
  licence: false,
  plan: null,
  planError: null,
  progress: [],
  created: false,
  archOverride: false,
  express: { on: true, user: '', password: '', locale: '', timezone: '', drivers: '' },
};

export function isWindows(s: Pick<WizardState, 'os'>): boolean {
  return s.os === 'windows11';
}

/** The steps for the OS chosen: the licence only for Windows 11. */
export function stepIds(s: Pick<WizardState, 'os'>): StepId[] {
  return ['os', 'iso', 'preset', 'resources', ...(isWindows(s) ? (['licence', 'express'] as StepId[]) : []), 'review'];
}

export function currentStep(s: WizardState): StepId {
  const ids = stepIds(s);
  return ids[Math.min(s.step, ids.length - 1)];
}

export function resourceErrors(s: WizardState): ResourceErrors {
  return s.host ? checkResources(s.res, s.host, isWindows(s)) : {};
}

/** Whether Next (or Create VM, on Review) may go on from the current step. */
export function canLeave(s: WizardState): boolean {
  switch (currentStep(s)) {
    case 'iso':
      return (
        s.iso?.valid === true && s.iso.path === s.isoPath.trim() && (!s.iso.media?.archWarning || s.archOverride)
      );
    case 'resources':
      return Object.keys(resourceErrors(s)).length === 0;
    case 'licence':
      return s.licence;
    case 'review':
      return s.plan !== null;
    default:
      return true;
  }
}

export function defaultName(os: Os): string {
  return os === 'windows11' ? 'Windows 11' : os === 'linux' ? 'Linux' : 'My VM';
}

/** What planVm and createVm are asked for. */
export function toRequest(s: WizardState): CreateRequest {
  return {
    name: s.res.name.trim(),
    isoPath: s.isoPath.trim(),
    os: s.os,
    arch: s.arch,
    preset: s.preset,
    cpus: s.res.cpus,
    memoryMiB: Math.round(s.res.memoryGiB * 1024),
    diskGiB: s.res.diskGiB,
    ...parseResolution(s.resolution),
    accel: s.accel,
    ...(isWindows(s) ? { acceptLicense: s.licence } : {}),
    ...expressRequest(s),
  };
}

/** The express install's part of the request: on when a user name is given. */
function expressRequest(s: WizardState): Partial<CreateRequest> {
  const x = s.express;
  const drivers = x.drivers.trim();
  const out: Partial<CreateRequest> = drivers ? { driversIsoPath: drivers } : {};
  if (!isWindows(s) || !x.on || !x.user.trim()) return out;
  return {
    ...out,
    express: true,
    user: x.user.trim(),
    ...(x.password ? { password: x.password } : {}),
    ...(x.locale.trim() ? { locale: x.locale.trim() } : {}),
    ...(x.timezone.trim() ? { timezone: x.timezone.trim() } : {}),
  };
}

/** What a recognised ISO preselects: its OS, its arch when it is the host's
 * (another arch waits for the user's explicit choice), the preset it needs. */
function preselect(s: WizardState, iso: ValidateIso): WizardState {
  const m = iso.media;
  if (!iso.valid || !m?.known) return { ...s, iso, archOverride: false };
  const arch = arches.find((a) => a === m.arch);
  const preset = s.presets.find((p) => p.name === m.preset);
  return {
    ...s,
    iso,
    os: m.os,
    arch: arch && !m.archWarning ? arch : s.arch,
    archOverride: false,
    ...(preset ? { preset: preset.name, res: s.host ? { ...s.res, ...resourcesOf(preset, s.host) } : s.res } : {}),
  };
}

export function wizardReducer(s: WizardState, a: WizardAction): WizardState {
  switch (a.type) {
    case 'loaded': {
      const rec = a.presets.find((p) => p.name === 'recommended');
      return {
        ...s,
        host: a.host,
        presets: a.presets,
        arch: a.host.arch,
        res: rec ? { ...s.res, ...resourcesOf(rec, a.host) } : s.res,
      };
    }
    case 'set': {
      // a new path is unchecked until the server says otherwise
      const next =
        a.choice.isoPath !== undefined && a.choice.isoPath.trim() !== s.isoPath.trim()
          ? { ...s, ...a.choice, iso: null, archOverride: false }
          : { ...s, ...a.choice };
      // emulating the ISO's arch is the explicit choice of that arch
      const isoArch = arches.find((x) => x === s.iso?.media?.arch);
      return a.choice.archOverride !== undefined && isoArch
        ? { ...next, arch: a.choice.archOverride ? isoArch : (s.host?.arch ?? s.arch) }
        : next;
    }
    case 'isoChecked':
      // an answer for a path since changed is dropped
      return a.iso.path === s.isoPath.trim() ? preselect(s, a.iso) : s;
    case 'preset':
      return s.host
        ? { ...s, preset: a.preset.name, res: { ...s.res, ...resourcesOf(a.preset, s.host) } }
        : { ...s, preset: a.preset.name };
    case 'resources':
      return { ...s, res: { ...s.res, ...a.res } };
    case 'express':
      return { ...s, express: { ...s.express, ...a.express } };
    case 'next': {
      const from = currentStep(s);
      const t = from === 'resources' ? { ...s, touched: true } : s;
      if (!canLeave(t)) return t;
      const named = from === 'preset' && !t.res.name ? { ...t.res, name: defaultName(t.os) } : t.res;
      const step = t.step + 1;
      const toReview = stepIds(t)[step] === 'review';
      return { ...t, res: named, step, ...(toReview ? { plan: null, planError: null } : {}) };
    }
    case 'back':
      return { ...s, step: Math.max(0, s.step - 1) };
    case 'planned':
      return { ...s, plan: a.plan };
    case 'planFailed':
      return { ...s, planError: a.message };
    case 'creating':
      return { ...s, progress: [] };
    case 'progress':
      return { ...s, progress: [...s.progress, a.step] };
    case 'created':
      return { ...s, created: true };
  }
}
