import RFB from '@novnc/novnc';
import { useEffect, useRef, useState } from 'react';

/** The VM's screen: noVNC over the WebSocket serve bridges to QEMU's VNC unix socket. */
export function Console({ vm }: { vm: string }) {
  const screen = useRef<HTMLDivElement>(null);
  const rfb = useRef<RFB | null>(null);
  const [status, setStatus] = useState('Connecting…');

  useEffect(() => {
    if (!screen.current) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${scheme}://${location.host}/vnc/${encodeURIComponent(vm)}`;
    const r = new RFB(screen.current, url, { shared: true });
    r.scaleViewport = true;
    r.background = 'transparent';
    r.addEventListener('connect', () => setStatus('Connected'));
    r.addEventListener('disconnect', () => setStatus('Disconnected: the VM stopped or its screen is not shared'));
    rfb.current = r;
    return () => {
      rfb.current = null;
      r.disconnect();
    };
  }, [vm]);

  return (
    <div className="console">
      <div className="console-bar">
        <span role="status" aria-label="Console status">
          {status}
        </span>
        <button type="button" onClick={() => rfb.current?.sendCtrlAltDel()}>
          Send Ctrl+Alt+Del
        </button>
      </div>
      <div ref={screen} className="screen" role="img" aria-label={`Screen of ${vm}`} />
    </div>
  );
}
