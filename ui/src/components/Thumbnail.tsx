import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { VmState } from '../api/types';
import { isActive } from '../format';

/** How often a watched VM's screen is asked for, and how old an answer the
 * server may give from its cache (run/screen.png): one QMP screendump per
 * VM every 5 s, and none while nobody looks; the server scales it to at
 * most 320x200 (docs/performance.md for what it costs). */
export const THUMB_REFRESH_MS = 5000;
const THUMB_MAX_AGE_SECONDS = 4;

function visible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}

/** A VM's screen in the library: live while it runs (refreshed only while
 * the page is visible), its last screen greyed once it stopped. */
export function Thumbnail({ vm, state }: { vm: string; state: VmState }) {
  const [src, setSrc] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const active = isActive(state);

  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      if (!visible()) return;
      try {
        const s = await api.vmThumbnail(vm, active ? THUMB_MAX_AGE_SECONDS : 0, true);
        if (cancelled) return;
        setSrc(`data:image/png;base64,${s.png}`);
        setLive(s.live);
      } catch {
        // no screen yet (never started, still starting, no display): keep what we had
        if (!cancelled && !active) setSrc(null);
      }
    };
    void load();
    if (!active) return () => void (cancelled = true);
    const t = setInterval(() => void load(), THUMB_REFRESH_MS);
    const onVisible = () => void load();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      cancelled = true;
      clearInterval(t);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [vm, active]);

  if (!src) return <div className="thumb thumb-empty" aria-hidden="true" />;
  return (
    <img
      className={live ? 'thumb' : 'thumb thumb-stopped'}
      src={src}
      alt={live ? `Screen of ${vm}` : `Last screen of ${vm}`}
    />
  );
}
