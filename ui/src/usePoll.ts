import { useCallback, useEffect, useRef, useState } from 'react';

/** Load with @load now and every @ms; reload() on demand. */
export function usePoll<T>(load: () => Promise<T>, ms: number) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    try {
      setData(await loadRef.current());
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => {
    void reload();
    const t = setInterval(() => void reload(), ms);
    return () => clearInterval(t);
  }, [reload, ms]);
  return { data, error, reload };
}
