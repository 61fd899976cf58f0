import { Field } from '../../../components/Field';
import type { StepProps } from './props';

/** The express (unattended) Windows 11 install: a local account, no
 * Microsoft account, no network needed; the drivers CD is optional. */
export function ExpressStep({ state, dispatch }: Omit<StepProps, 'host'>) {
  const x = state.express;
  const set = (express: Partial<typeof x>) => dispatch({ type: 'express', express });
  const arm = state.arch === 'aarch64';
  return (
    <fieldset>
      <legend>Express install</legend>
      <label className="check">
        <input type="checkbox" checked={x.on} onChange={(e) => set({ on: e.target.checked })} />
        Install Windows without questions (a local account, no Microsoft account, no network needed)
      </label>
      {x.on && (
        <>
          <Field label="User name" hint="The local administrator account. Leave it empty to answer Setup yourself.">
            <input type="text" value={x.user} onChange={(e) => set({ user: e.target.value })} autoComplete="off" />
          </Field>
          <Field label="Password" hint="Stored only on the answer CD in the VM's folder, which is removed once Windows is installed.">
            <input
              type="password"
              value={x.password}
              onChange={(e) => set({ password: e.target.value })}
              autoComplete="new-password"
            />
          </Field>
          <Field label="Locale" hint="Language, formats and keyboard, like en-US. Empty: this computer's.">
            <input type="text" value={x.locale} onChange={(e) => set({ locale: e.target.value })} spellCheck={false} />
          </Field>
          <Field label="Time zone" hint="Like Europe/Berlin or W. Europe Standard Time. Empty: this computer's.">
            <input
              type="text"
              value={x.timezone}
              onChange={(e) => set({ timezone: e.target.value })}
              spellCheck={false}
            />
          </Field>
        </>
      )}
      <Field
        label="virtio-win drivers ISO"
        hint={
          arm
            ? 'Storage, network and display drivers. There is no ARM64 installer for the QEMU guest agent: it is not installed on ARM64.'
            : 'Storage, network and display drivers, and the QEMU guest agent at first logon.'
        }
      >
        <input
          type="text"
          value={x.drivers}
          placeholder="/home/you/Downloads/virtio-win.iso"
          onChange={(e) => set({ drivers: e.target.value })}
          spellCheck={false}
        />
      </Field>
    </fieldset>
  );
}
