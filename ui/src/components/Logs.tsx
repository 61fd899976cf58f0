import { useEffect, useRef, useState } from 'react';
import { api, followVm } from '../api/client';
import { logSources, type LogSource } from '../api/types';

const MAX_CHARS = 200_000;

/** A VM's logs, a tab per source; new lines stream in while it runs. */
export function Logs({ vm }: { vm: string }) {
  const [source, setSource] = useState<LogSource>('serial');
  const [text, setText] = useState('');
  const [follow, setFollow] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const pre = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    setText('');
    setError(null);
    api
      .vmLogs(vm, source, 300)
      .then((l) => {
        if (abort.signal.aborted) return;
        setText(l.text);
        return followVm(
          vm,
          source,
          { log: (line) => setText((t) => (t + (t && !t.endsWith('\n') ? '\n' : '') + line + '\n').slice(-MAX_CHARS)) },
          abort.signal,
          l.end,
        );
      })
      .catch((e: Error) => {
        if (!abort.signal.aborted) setError(e.message);
      });
    return () => abort.abort();
  }, [vm, source]);

  useEffect(() => {
    if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text, follow]);

  return (
    <div className="logs">
      <div role="tablist" aria-label="Log source" className="tabs small">
        {logSources.map((s) => (
          <button
            key={s}
            role="tab"
            type="button"
            aria-selected={s === source}
            aria-controls="log-view"
            onClick={() => setSource(s)}
          >
            {s}
          </button>
        ))}
        <label className="check follow">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
          Follow
        </label>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      <pre id="log-view" ref={pre} role="log" aria-label={`${source} log`} tabIndex={0} className="log">
        {text || '(empty)'}
      </pre>
    </div>
  );
}
