import { cloneElement, useEffect, useMemo, useState } from 'react';
import { api, ApiError, inDesktopApp } from '../api/client';
import type { Accel, CreateRequest, HostInfo, Plan, Preset, ValidateIso } from '../api/types';
import { AccelField } from '../components/AccelField';
import { CommandView } from '../components/CommandView';
import { ResolutionField } from '../components/ResolutionField';
import { accelNames, gib, osNames, vmHref } from '../format';
import { checkResources, type Resources } from './wizardRules';

type Os = CreateRequest['os'];
type StepId = 'os' | 'iso' | 'preset' | 'resources' | 'licence' | 'review';
const stepTitles: Record<StepId, string> = {
  os: 'Operating system',
  iso: 'Installer ISO',
  preset: 'Preset',
  resources: 'Resources',
  licence: 'Licence',
  review: 'Review',
};

export function Wizard() {
  const [host, setHost] = useState<HostInfo | null>(null);
  const [presets, setPresets] = useState<Preset[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [step, setStep] = useState(0);
  const [os, setOs] = useState<Os>('windows11');
  const [arch, setArch] = useState<CreateRequest['arch']>('x86_64');
  const [isoPath, setIsoPath] = useState('');
  const [iso, setIso] = useState<ValidateIso | null>(null);
  const [preset, setPreset] = useState<CreateRequest['preset']>('recommended');
  const [res, setRes] = useState<Resources>({ name: '', cpus: 2, memoryGiB: 4, diskGiB: 64 });
  const [touched, setTouched] = useState(false);
  const [resolution, setResolution] = useState<string>('1920x1080');
  const [accel, setAccel] = useState<Accel>('auto');
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const [licence, setLicence] = useState(false);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [planError, setPlanError] = useState<string | null>(null);
  const [steps, setSteps] = useState<string[]>([]);
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string | null>(null);

  useEffect(() => {
    Promise.all([api.hostInfo(), api.presets()])
      .then(([h, p]) => {
        setHost(h);
        setArch(h.arch);
        setPresets(p);
        const rec = p.find((x) => x.name === 'recommended');
        if (rec)
          setRes((r) => ({
            ...r,
            cpus: rec.effective.cpus,
            memoryGiB: Math.min(rec.effective.memoryMiB, h.limits.maxMemoryMiB) / 1024,
            diskGiB: rec.diskGiB,
          }));
      })
      .catch((e: Error) => setLoadError(e.message));
  }, []);

  const windows = os === 'windows11';
  const stepIds: StepId[] = useMemo(
    () => ['os', 'iso', 'preset', 'resources', ...(windows ? (['licence'] as StepId[]) : []), 'review'],
    [windows],
  );
  const current = stepIds[Math.min(step, stepIds.length - 1)];

  // The ISO is checked by the server as it is typed.
  useEffect(() => {
    setIso(null);
    if (!isoPath.trim()) return;
    const t = setTimeout(() => {
      api
        .validateIso(isoPath.trim())
        .then(setIso)
        .catch((e: Error) => setIso({ path: isoPath, valid: false, message: e.message }));
    }, 250);
    return () => clearTimeout(t);
  }, [isoPath]);

  function choosePreset(p: Preset) {
    setPreset(p.name);
    setRes((r) => ({
      ...r,
      cpus: p.effective.cpus,
      memoryGiB: Math.min(p.effective.memoryMiB, host?.limits.maxMemoryMiB ?? p.effective.memoryMiB) / 1024,
      diskGiB: p.diskGiB,
    }));
  }

  const resourceErrors = host ? checkResources(res, host, windows) : {};
  const request = (): CreateRequest => {
    const [w, h] = resolution.split('x').map(Number);
    return {
      name: res.name.trim(),
      isoPath: isoPath.trim(),
      os,
      arch,
      preset,
      cpus: res.cpus,
      memoryMiB: Math.round(res.memoryGiB * 1024),
      diskGiB: res.diskGiB,
      width: w,
      height: h,
      accel,
      ...(windows ? { acceptLicense: licence } : {}),
    };
  };

  const canLeave: Record<StepId, boolean> = {
    os: true,
    iso: iso?.valid === true && iso.path === isoPath.trim(),
    preset: true,
    resources: Object.keys(resourceErrors).length === 0,
    licence: licence,
    review: plan !== null,
  };

  async function next() {
    if (current === 'resources') setTouched(true);
    if (!canLeave[current]) return;
    if (current === 'preset' && !res.name) setRes((r) => ({ ...r, name: defaultName(os) }));
    const nextId = stepIds[step + 1];
    setStep(step + 1);
    if (nextId === 'review') {
      setPlan(null);
      setPlanError(null);
      try {
        setPlan(await api.planVm(request()));
      } catch (e) {
        setPlanError((e as Error).message);
      }
    }
  }

  async function create() {
    setCreating(true);
    setCreateError(null);
    setSteps([]);
    try {
      const vm = await api.createVm(request(), (s) => setSteps((all) => [...all, s]));
      location.hash = vmHref(vm.name);
    } catch (e) {
      setCreateError(e instanceof ApiError ? e.message : String(e));
      setCreating(false);
    }
  }

  if (loadError) return <p role="alert" className="error">{loadError}</p>;
  if (!host) return <p>Loading…</p>;

  return (
    <section aria-labelledby="wizard-title" className="wizard">
      <h1 id="wizard-title">New virtual machine</h1>
      <ol className="steps" aria-label="Steps">
        {stepIds.map((id, i) => (
          <li key={id} aria-current={i === step ? 'step' : undefined} className={i < step ? 'done' : ''}>
            {stepTitles[id]}
          </li>
        ))}
      </ol>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (current === 'review') void create();
          else void next();
        }}
      >
        {current === 'os' && (
          <fieldset>
            <legend>Which operating system will you install?</legend>
            <div className="cards" role="radiogroup" aria-label="Operating system">
              {(Object.keys(osNames) as Os[]).map((o) => (
                <label key={o} className={`card ${os === o ? 'selected' : ''}`}>
                  <input type="radio" name="os" value={o} checked={os === o} onChange={() => setOs(o)} />
                  <span className="card-title">{osNames[o]}</span>
                  <span className="muted">{osHints[o]}</span>
                </label>
              ))}
            </div>
            <label className="field">
              Architecture
              <select value={arch} onChange={(e) => setArch(e.target.value as CreateRequest['arch'])}>
                <option value="x86_64">x86_64{host.arch === 'x86_64' ? ' (this host)' : ' (emulated)'}</option>
                <option value="aarch64">aarch64{host.arch === 'aarch64' ? ' (this host)' : ' (emulated)'}</option>
              </select>
            </label>
          </fieldset>
        )}

        {current === 'iso' && (
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
                  onChange={(e) => setIsoPath(e.target.value)}
                  autoFocus
                  spellCheck={false}
                />
                {inDesktopApp() && (
                  <button
                    type="button"
                    onClick={() => void api.chooseIso().then((p) => p && setIsoPath(p))}
                  >
                    Browse…
                  </button>
                )}
              </div>
              <p id="iso-message" className={iso?.valid ? 'ok' : 'error'} role="status">
                {iso === null ? (isoPath ? 'Checking…' : 'The path of the ISO file on this machine.') : iso.valid ? 'A bootable installer image.' : iso.message}
              </p>
            </div>
          </fieldset>
        )}

        {current === 'preset' && (
          <fieldset>
            <legend>How big a machine?</legend>
            <div className="cards" role="radiogroup" aria-label="Preset">
              {presets.map((p) => (
                <label key={p.name} className={`card ${preset === p.name ? 'selected' : ''}`}>
                  <input
                    type="radio"
                    name="preset"
                    value={p.name}
                    checked={preset === p.name}
                    onChange={() => choosePreset(p)}
                  />
                  <span className="card-title">{p.name[0].toUpperCase() + p.name.slice(1)}</span>
                  <span>
                    {p.effective.cpus} vCPUs · {gib(p.effective.memoryMiB)} · {p.diskGiB} GiB
                  </span>
                  <span className="muted">{p.summary.split('— ')[1] ?? p.summary}</span>
                  {p.notice && <span className="notice">{p.notice}</span>}
                </label>
              ))}
            </div>
          </fieldset>
        )}

        {current === 'resources' && (
          <fieldset>
            <legend>Resources</legend>
            <Field label="Name" error={touched ? resourceErrors.name : undefined}>
              <input type="text" value={res.name} onChange={(e) => setRes({ ...res, name: e.target.value })} />
            </Field>
            <Field label="vCPUs" error={resourceErrors.cpus} hint={`1–${host.limits.maxCpus}`}>
              <input
                type="number"
                min={1}
                value={Number.isNaN(res.cpus) ? '' : res.cpus}
                onChange={(e) => setRes({ ...res, cpus: e.target.valueAsNumber })}
              />
            </Field>
            <Field
              label="Memory (GiB)"
              error={resourceErrors.memoryGiB}
              hint={`up to ${(host.limits.maxMemoryMiB / 1024).toFixed(1)} GiB`}
            >
              <input
                type="number"
                min={0.5}
                step={0.5}
                value={Number.isNaN(res.memoryGiB) ? '' : res.memoryGiB}
                onChange={(e) => setRes({ ...res, memoryGiB: e.target.valueAsNumber })}
              />
            </Field>
            <Field label="Disk (GiB)" error={resourceErrors.diskGiB} hint="grows as the guest writes">
              <input
                type="number"
                min={1}
                value={Number.isNaN(res.diskGiB) ? '' : res.diskGiB}
                onChange={(e) => setRes({ ...res, diskGiB: e.target.valueAsNumber })}
              />
            </Field>
            <ResolutionField value={resolution} onChange={setResolution} />
            <details
              className="advanced"
              open={advancedOpen}
              onToggle={(e) => setAdvancedOpen(e.currentTarget.open)}
            >
              <summary>Advanced</summary>
              <AccelField value={accel} host={host} onChange={setAccel} />
            </details>
          </fieldset>
        )}

        {current === 'licence' && (
          <fieldset>
            <legend>Windows licence</legend>
            <p>
              Windows 11 is Microsoft's software. BridgeVM does not include or license it: you need your own
              licence, and you accept Microsoft's terms when you install it.
            </p>
            <label className="check">
              <input type="checkbox" checked={licence} onChange={(e) => setLicence(e.target.checked)} />I have a
              Windows 11 licence and accept Microsoft's licence terms
            </label>
            {!licence && (
              <p className="error" id="licence-needed">
                Accept the licence terms to continue.
              </p>
            )}
          </fieldset>
        )}

        {current === 'review' && (
          <fieldset>
            <legend>Review</legend>
            <dl className="facts">
              <dt>Name</dt>
              <dd>{res.name}</dd>
              <dt>System</dt>
              <dd>
                {osNames[os]} ({arch})
              </dd>
              <dt>Resources</dt>
              <dd>
                {res.cpus} vCPUs · {gib(Math.round(res.memoryGiB * 1024))} · {res.diskGiB} GiB disk · {resolution}
              </dd>
              <dt>ISO</dt>
              <dd className="path">{isoPath}</dd>
              <dt>Accelerator</dt>
              <dd>{accelNames[accel]}</dd>
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
            {(creating || steps.length > 0) && (
              <div role="status" aria-label="Progress" className="progress">
                <progress aria-label="Creating the VM" />
                <ol>
                  {steps.map((s, i) => (
                    <li key={i}>{s}</li>
                  ))}
                </ol>
              </div>
            )}
            {createError && <p role="alert" className="error">{createError}</p>}
          </fieldset>
        )}

        <div className="actions">
          {step > 0 && (
            <button type="button" onClick={() => setStep(step - 1)} disabled={creating}>
              Back
            </button>
          )}
          {current === 'review' ? (
            <button type="submit" className="primary" disabled={!plan || creating}>
              {creating ? 'Creating…' : 'Create VM'}
            </button>
          ) : (
            <button
              type="submit"
              className="primary"
              disabled={!canLeave[current]}
              aria-describedby={current === 'licence' && !licence ? 'licence-needed' : undefined}
            >
              Next
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

const osHints: Record<Os, string> = {
  windows11: 'TPM 2.0 and Secure Boot included',
  linux: 'Any distribution’s installer',
  other: 'Anything that boots from an ISO',
};

function defaultName(os: Os): string {
  return os === 'windows11' ? 'Windows 11' : os === 'linux' ? 'Linux' : 'My VM';
}

function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: string;
  hint?: string;
  children: React.ReactElement<Record<string, unknown>>;
}) {
  const id = `f-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, {
        id,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': error ? `${id}-error` : undefined,
      })}
      {error ? (
        <p id={`${id}-error`} className="error" role="alert">
          {error}
        </p>
      ) : (
        hint && <p className="muted">{hint}</p>
      )}
    </div>
  );
}
