import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import type { Doctor } from '../api/types';
import { applyTheme, loadTheme, type Theme } from '../theme';
import { useAction } from '../useAction';

/** Settings and dependencies: the doctor's report, with how to fix each problem. */
export function Settings() {
  const [doctor, setDoctor] = useState<Doctor | null>(null);
  const { busy, error, run } = useAction();
  const checking = busy !== null;
  const [theme, setTheme] = useState<Theme>(loadTheme);

  const check = useCallback(
    (refresh: boolean) => void run('check', async () => setDoctor(await api.doctor(refresh))),
    [run],
  );
  useEffect(() => check(false), [check]);

  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <fieldset className="theme">
        <legend>Appearance</legend>
        {(['system', 'light', 'dark'] as Theme[]).map((t) => (
          <label key={t} className="check">
            <input
              type="radio"
              name="theme"
              checked={theme === t}
              onChange={() => {
                setTheme(t);
                applyTheme(t);
              }}
            />
            {t === 'system' ? 'As the system' : t === 'light' ? 'Light' : 'Dark'}
          </label>
        ))}
      </fieldset>

      <div className="page-head">
        <h2>Dependencies</h2>
        <button type="button" onClick={() => check(true)} disabled={checking}>
          {checking ? 'Checking…' : 'Check again'}
        </button>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {!doctor && !error && <p>Checking this host…</p>}
      {doctor && (
        <>
          <p role="status" className={doctor.ok ? 'ok' : 'error'}>
            {doctor.ok
              ? 'This host can run VMs.'
              : 'Something BridgeVM needs is missing: see below for how to fix it.'}
          </p>
          <p>
            Accelerators: <strong>{doctor.accelerators.join(', ')}</strong>
            {doctor.accelerators.length === 1 && ' (guests run under TCG emulation, slowly)'}
          </p>
          {doctor.kvmError && (
            <p className="notice">{doctor.kvmError}. VMs set to Automatic run under TCG.</p>
          )}
          <table className="deps">
            <caption className="sr-only">Tools</caption>
            <thead>
              <tr>
                <th scope="col">Tool</th>
                <th scope="col">Status</th>
                <th scope="col">Version</th>
                <th scope="col">Where, or how to fix</th>
              </tr>
            </thead>
            <tbody>
              {doctor.tools.map((t) => (
                <tr key={t.name}>
                  <th scope="row">
                    {t.name}
                    <div className="muted">{t.purpose}</div>
                  </th>
                  <td className={t.found ? 'ok' : 'error'}>{t.found ? 'Found' : 'Missing'}</td>
                  <td>{t.version ?? '—'}</td>
                  <td className="path">{t.found ? t.path : t.installHint}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>UEFI firmware</h2>
          <ul className="firmware">
            {doctor.firmware.map((f) => (
              <li key={f.descriptor}>
                <strong>{f.description ?? f.descriptor}</strong> <span className="muted">({f.arch})</span>
                <div className="path">{f.code}</div>
              </li>
            ))}
          </ul>
          {doctor.skippedFirmware.length > 0 && (
            <details>
              <summary>Firmware descriptors skipped ({doctor.skippedFirmware.length})</summary>
              <ul>
                {doctor.skippedFirmware.map((s) => (
                  <li key={s}>{s}</li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
    </section>
  );
}
