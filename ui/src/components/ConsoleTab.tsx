import { useState } from 'react';
import { Console } from './Console';
import { SerialConsole } from './SerialConsole';

type View = 'screen' | 'serial';

/** The Console tab: the screen (noVNC) or the serial console (xterm.js).
 * Both ride WebSockets, which the desktop app's bridgevm:// scheme cannot
 * carry: there the screen is QEMU's own window and the serial console is
 * `bridgevm console VM` in a terminal. */
export function ConsoleTab({
  vm,
  live,
  display,
  desktop,
}: {
  vm: string;
  live: boolean;
  display: string | null;
  desktop: boolean;
}) {
  const [view, setView] = useState<View>('screen');
  if (!live) return <p className="muted">Start the VM to see its screen here.</p>;
  if (desktop)
    return (
      <p className="muted">
        {display === 'window' ? 'The screen is in QEMU’s own window on this desktop. ' : ''}
        Its serial console: <code>bridgevm console {vm}</code> in a terminal.
      </p>
    );
  return (
    <>
      <div className="console-views" role="radiogroup" aria-label="Console view">
        {(['screen', 'serial'] as View[]).map((v) => (
          <button key={v} type="button" role="radio" aria-checked={view === v} onClick={() => setView(v)}>
            {v === 'screen' ? 'Screen' : 'Serial'}
          </button>
        ))}
      </div>
      {view === 'serial' ? (
        <SerialConsole vm={vm} />
      ) : display === 'vnc' ? (
        <Console vm={vm} />
      ) : (
        <p className="muted">
          {display === 'window'
            ? 'The screen is in QEMU’s own window on this desktop.'
            : 'This VM runs without a shared screen.'}
        </p>
      )}
    </>
  );
}
