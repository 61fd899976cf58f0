// The one way the UI talks to BridgeVM: POST /api/OP with JSON (the same in
// `bridgevm serve` and in the desktop app's bridgevm:// scheme), progress of
// long calls as NDJSON lines, and live events as a server-sent-event stream
// read through fetch (EventSource cannot read a custom scheme's stream).
import type {
  CloneRequest,
  CloneResult,
  Command,
  CreateRequest,
  Doctor,
  HostInfo,
  Logs,
  Plan,
  LogSource,
  Preset,
  Screenshot,
  Remote,
  Snapshot,
  UpdateRequest,
  ValidateIso,
  Vm,
  VmStatus,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Fetch = typeof fetch;
let fetchImpl: Fetch = (...args) => fetch(...args);

/** Tests put a fake transport here. */
export function setFetch(f: Fetch): void {
  fetchImpl = f;
}

function errorFrom(body: unknown, status: number): ApiError {
  const e = (body as { error?: { code?: string; message?: string } } | null)?.error;
  if (e && typeof e.code === 'string' && typeof e.message === 'string')
    return new ApiError(e.code, e.message, status);
  return new ApiError('failed', `the server answered ${status} without an error object`, status);
}

export async function call<T>(op: string, params: object = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetchImpl(`/api/${op}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(params),
    });
  } catch (e) {
    throw new ApiError('unreachable', `BridgeVM is not reachable: ${(e as Error).message}`, 0);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError('failed', `the server answered ${res.status} with something not JSON`, res.status);
  }
  if (!res.ok) throw errorFrom(body, res.status);
  return body as T;
}

/** Split a byte stream into lines as they arrive. */
async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
    }
  }
  buf += decoder.decode();
  if (buf) yield buf;
}

/** A long call (createVm, startVm): each step to @onStep, then the result. */
export async function callWithProgress<T>(
  op: string,
  params: object,
  onStep: (step: string) => void,
): Promise<T> {
  const res = await fetchImpl(`/api/${op}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/x-ndjson' },
    body: JSON.stringify(params),
  });
  if (!res.ok || !res.body) {
    const text = await res.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    throw errorFrom(body, res.status);
  }
  for await (const line of lines(res.body)) {
    if (!line.trim()) continue;
    const msg = JSON.parse(line) as { progress?: { step: string }; result?: T; error?: unknown };
    if (msg.progress) onStep(msg.progress.step);
    else if ('result' in msg) return msg.result as T;
    else if (msg.error) throw errorFrom(msg, 200);
  }
  throw new ApiError('failed', `${op} ended without a result`, 200);
}

export interface EventHandlers {
  state?: (status: VmStatus | Vm['status']) => void;
  log?: (text: string) => void;
  gone?: () => void;
}

/** Parse server-sent events from lines: "event: x", "data: y", blank line. */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  handlers: EventHandlers,
): Promise<void> {
  let event = 'message';
  let data: string[] = [];
  for await (const line of lines(body)) {
    if (line === '') {
      const payload = data.join('\n');
      if (event === 'state' && handlers.state) handlers.state(JSON.parse(payload));
      else if (event === 'log' && handlers.log) handlers.log(payload);
      else if (event === 'gone' && handlers.gone) handlers.gone();
      event = 'message';
      data = [];
    } else if (line.startsWith('event:')) {
      event = line.slice(6).trim();
    } else if (line.startsWith('data:')) {
      data.push(line.slice(5).replace(/^ /, ''));
    }
  }
}

/** Follow a VM's state and (with @source) a log from byte @from (where a
 * vmLogs answer ended), until @signal aborts. */
export async function followVm(
  vm: string,
  source: LogSource | null,
  handlers: EventHandlers,
  signal: AbortSignal,
  from?: number,
): Promise<void> {
  const q = new URLSearchParams({ vm });
  if (source) q.set('source', source);
  if (source && from !== undefined) q.set('from', String(from));
  const res = await fetchImpl(`/events?${q}`, { signal });
  if (!res.ok || !res.body) throw new ApiError('failed', `events: ${res.status}`, res.status);
  await readEvents(res.body, handlers);
}

/** True inside the desktop app (bridgevm://), where native helpers exist. */
export function inDesktopApp(): boolean {
  return typeof location !== 'undefined' && location.protocol === 'bridgevm:';
}

export const api = {
  listVms: () => call<Vm[]>('listVms'),
  showVm: (vm: string) => call<Vm>('showVm', { vm }),
  createVm: (req: CreateRequest, onStep: (s: string) => void) =>
    callWithProgress<Vm>('createVm', req, onStep),
  planVm: (req: CreateRequest) => call<Plan>('planVm', req),
  updateVm: (vm: string, changes: UpdateRequest) => call<Vm>('updateVm', { vm, ...changes }),
  deleteVm: (vm: string, permanently = false) =>
    call<{ deleted: string }>('deleteVm', { vm, permanently }),
  startVm: (vm: string, display: string, onStep: (s: string) => void) =>
    callWithProgress<VmStatus>('startVm', { vm, display }, onStep),
  stopVm: (vm: string, force = false) =>
    call<VmStatus>('stopVm', { vm, force, timeoutSeconds: force ? 5 : 60 }),
  killVm: (vm: string) => call<VmStatus>('killVm', { vm }),
  pauseVm: (vm: string) => call<VmStatus>('pauseVm', { vm }),
  resumeVm: (vm: string) => call<VmStatus>('resumeVm', { vm }),
  vmStatus: (vm: string) => call<VmStatus>('vmStatus', { vm }),
  vmCommand: (vm: string) => call<Command>('vmCommand', { vm }),
  vmLogs: (vm: string, source: LogSource, lines = 200) =>
    call<Logs>('vmLogs', { vm, source, lines }),
  resetNvram: (vm: string) => call<{ reset: boolean }>('resetNvram', { vm }),
  listSnapshots: (vm: string) => call<Snapshot[]>('listSnapshots', { vm }),
  createSnapshot: (vm: string, name: string, description: string | null, onStep: (s: string) => void) =>
    callWithProgress<Snapshot>('createSnapshot', description ? { vm, name, description } : { vm, name }, onStep),
  revertSnapshot: (vm: string, name: string) => call<{ reverted: string }>('revertSnapshot', { vm, name }),
  deleteSnapshot: (vm: string, name: string) => call<{ deleted: string }>('deleteSnapshot', { vm, name }),
  cloneVm: (vm: string, req: CloneRequest) => call<CloneResult>('cloneVm', { vm, ...req }),
  doctor: (refresh = false) => call<Doctor>('doctor', { refresh }),
  presets: () => call<Preset[]>('presets'),
  validateIso: (path: string) => call<ValidateIso>('validateIso', { path }),
  hostInfo: () => call<HostInfo>('hostInfo'),
  /** The thumbnail no older than @maxAgeSeconds (0: now); with @lastScreen
   * a stopped VM answers the one kept when it stopped. */
  vmThumbnail: (vm: string, maxAgeSeconds = 0, lastScreen = false) =>
    call<Screenshot>('vmScreenshot', { vm, thumbnail: true, maxAgeSeconds, lastScreen }),
  /** Remote libvirt hosts and their domains; [] where BridgeVM was built
   * without libvirt (or in the desktop app, which lacks the operation). */
  listRemotes: () =>
    call<Remote[]>('listRemotes').catch((e: ApiError) => {
      if (e.code === 'notFound' && e.status === 404 && /no API operation|no such op/.test(e.message)) return [];
      throw e;
    }),
  remoteAction: (remote: string, domain: string, action: 'start' | 'stop' | 'kill') =>
    call<{ remote: string; domain: string; action: string }>('remoteAction', { remote, domain, action }),
  addForward: (vm: string, f: { proto: 'tcp' | 'udp'; hostPort: number; guestPort: number; bind?: string }) =>
    call<Vm>('addForward', { vm, ...f }),
  removeForward: (vm: string, hostPort: number, proto?: 'tcp' | 'udp') =>
    call<Vm>('removeForward', proto ? { vm, hostPort, proto } : { vm, hostPort }),
  addShare: (vm: string, s: { path: string; tag?: string; readOnly: boolean }) =>
    call<Vm>('addShare', { vm, ...s }),
  removeShare: (vm: string, tag: string) => call<Vm>('removeShare', { vm, tag }),
  agent: <T>(vm: string, what: string) => call<T>('agent', { vm, call: what, timeoutSeconds: 3 }),
  chooseIso: async (): Promise<string | null> => {
    const res = await fetchImpl('/native/chooseIso', { method: 'POST' });
    if (!res.ok) throw new ApiError('failed', `file chooser: ${res.status}`, res.status);
    return ((await res.json()) as { path: string | null }).path;
  },
};
