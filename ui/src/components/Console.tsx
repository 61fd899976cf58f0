import RFB from '@novnc/novnc';
import { useEffect, useRef, useState } from 'react';

/** The VM's screen: noVNC over the WebSocket serve bridges to QEMU's VNC unix
 * socket. Fit to the panel (the default) or 1:1 (scrolling), full screen
 * (Escape leaves, the browser's own rule), and the keyboard goes to the
 * guest only while the screen has focus (a click gives it, noVNC's
 * focusOnClick; nothing takes it by itself). */
export function Console({ vm }: { vm: string }) {
  const box = useRef<HTMLDivElement>(null);
  const screen = useRef<HTMLDivElement>(null);
  const rfb = useRef<RFB | null>(null);
  const [status, setStatus] = useState('Connecting…');
  const [fit, setFit] = useState(true);
  const [full, setFull] = useState(false);

  useEffect(() => {
    if (!screen.current) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${scheme}://${location.host}/vnc/${encodeURIComponent(vm)}`;
    const r = new RFB(screen.current, url, { shared: true });
    r.scaleViewport = true;
    r.focusOnClick = true;
    r.background = 'transparent';
    r.addEventListener('connect', () => setStatus('Connected'));
    r.addEventListener('disconnect', () => setStatus('Disconnected: the VM stopped or its screen is not shared'));
    rfb.current = r;
    return () => {
      rfb.current = null;
      r.disconnect();
    };
  }, [vm]);

  useEffect(() => {
    if (rfb.current) rfb.current.scaleViewport = fit;
  }, [fit]);

  useEffect(() => {
    const onChange = () => setFull(document.fullscreenElement === box.current);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);

  function toggleFullScreen() {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void box.current?.requestFullscreen?.();
  }

  return (
    <div ref={box} className={full ? 'console console-full' : 'console'}>
      <div className="console-bar">
        <span role="status" aria-label="Console status">
          {status}
        </span>
        <span className="console-tools">
          <button type="button" aria-pressed={!fit} onClick={() => setFit((f) => !f)}>
            {fit ? 'Actual size (1:1)' : 'Fit to window'}
          </button>
          <button type="button" onClick={toggleFullScreen}>
            {full ? 'Leave full screen' : 'Full screen'}
          </button>
          <button type="button" onClick={() => rfb.current?.sendCtrlAltDel()}>
            Send Ctrl+Alt+Del
          </button>
        </span>
      </div>
      <div ref={screen} className={fit ? 'screen' : 'screen screen-actual'} role="img" aria-label={`Screen of ${vm}`} />
      <p className="muted console-hint">Click the screen to type into it; click outside to get the keyboard back.</p>
    </div>
  );
}
