import type { Command } from '../api/types';

/** The QEMU command as BridgeVM builds it: each flag group with its reason. */
export function CommandView({ command }: { command: Command }) {
  return (
    <section aria-label="QEMU command" className="command">
      <p>
        Accelerator: <strong>{command.accel}</strong> · command version {command.commandVersion}
      </p>
      <ol className="groups">
        {command.groups.map((g, i) => (
          <li key={i}>
            <code>{g.flags.join(' ')}</code>
            <p className="reason">{g.reason}</p>
          </li>
        ))}
      </ol>
      {command.dropped.length > 0 && (
        <>
          <h3>Not used on this host</h3>
          <ul className="dropped">
            {command.dropped.map((d, i) => (
              <li key={i}>
                <strong>{d.what}</strong>: {d.why}
              </li>
            ))}
          </ul>
        </>
      )}
      <details>
        <summary>The whole command line</summary>
        <pre className="argv">{command.argv.map(shellQuote).join(' ')}</pre>
      </details>
    </section>
  );
}

export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
