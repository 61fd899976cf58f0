import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';

/** The VM's serial console: xterm.js over the WebSocket serve bridges to
 * the monitor's fan-out (/serial/VM). One console at a time has the
 * keyboard (a terminal's `bridgevm console` included); others watch. */
export function SerialConsole({ vm }: { vm: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState('Connecting…');

  useEffect(() => {
    if (!host.current) return;
    const term = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 5000 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current);
    fit.fit();
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}/serial/${encodeURIComponent(vm)}`);
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (ev: MessageEvent<string | ArrayBuffer>) => {
      if (typeof ev.data === 'string') {
        const { writer } = JSON.parse(ev.data) as { writer: boolean };
        setStatus(writer ? 'Connected' : 'Read-only: another console has the keyboard');
        term.options.disableStdin = !writer;
        if (writer) term.focus();
      } else {
        term.write(new Uint8Array(ev.data));
      }
    };
    ws.onclose = (ev) => setStatus(`Disconnected${ev.reason ? `: ${ev.reason}` : ''}`);
    const encoder = new TextEncoder();
    const typed = term.onData((d) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(encoder.encode(d));
    });
    const resized = new ResizeObserver(() => fit.fit());
    resized.observe(host.current);
    return () => {
      typed.dispose();
      resized.disconnect();
      ws.close();
      term.dispose();
    };
  }, [vm]);

  return (
    <div className="console">
      <div className="console-bar">
        <span role="status" aria-label="Serial status">
          {status}
        </span>
      </div>
      <div ref={host} className="serial" role="region" aria-label={`Serial console of ${vm}`} />
    </div>
  );
}
