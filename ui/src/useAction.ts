import { useCallback, useState } from 'react';

/** The error of a failed call, as the UI shows it. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The busy/error wrapper around a page's actions: run(label, action) marks
 * @label busy and clears the last error, then keeps the action's error.
 * busy goes back to null only if no other action took over meanwhile (a
 * Stop may take over from a start). Resolves true when the action worked. */
export function useAction() {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (label: string, action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(label);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(messageOf(e));
      return false;
    } finally {
      setBusy((b) => (b === label ? null : b));
    }
  }, []);
  return { busy, error, setError, run };
}
