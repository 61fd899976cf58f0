// A fake transport for component tests: each operation answers from a
// function (usually a recorded fixture: the C dispatcher's real answers).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setFetch } from '../api/client';
import type { Status, Vm, VmState } from '../api/types';
import { isActive } from '../format';

export const fixture = (name: string) =>
  JSON.parse(readFileSync(path.resolve(__dirname, `../../../tests/fixtures/api/${name}.json`), 'utf8'));

export type Call = { op: string; body: Record<string, unknown> };

/** A stream that stays open until the test ends: for a call that never
 * answers, or for server-sent events the test sends with push(). */
export function openStream() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
  return {
    response: () => new Response(stream, { status: 200 }),
    pushState: (s: Status) =>
      ctl.enqueue(new TextEncoder().encode(`event: state\ndata: ${JSON.stringify(s)}\n\n`)),
  };
}

/** Answer POST /api/OP from @answers (404 for the rest; a Response is sent
 * as it is); /events from @events, else it ends at once. */
export function serve(
  answers: Record<string, (body: Record<string, unknown>) => unknown>,
  events?: ReturnType<typeof openStream>,
): Call[] {
  const calls: Call[] = [];
  setFetch(async (url, init) => {
    if (String(url).startsWith('/events')) return events ? events.response() : new Response('', { status: 200 });
    const op = String(url).replace('/api/', '');
    const body = init?.body ? JSON.parse(String(init.body)) : {};
    calls.push({ op, body });
    const answer = answers[op];
    if (!answer) return new Response('{"error":{"code":"notFound","message":"no such op"}}', { status: 404 });
    const a = answer(body);
    return a instanceof Response ? a : new Response(JSON.stringify(a), { status: 200 });
  });
  return calls;
}

/** The recorded status, in @state (with @reason). */
export function statusIn(state: VmState, reason: string | null = null): Status {
  const running = isActive(state);
  return {
    ...fixture('vm').status,
    state,
    reason,
    pid: running ? 4242 : null,
    monitorPid: running ? 4241 : null,
    display: running ? 'none' : null,
  };
}

/** The recorded VM (fixture 'vm'), named @name, in @state. */
export function vmIn(state: VmState, name = 'fixture', more: Partial<Vm> = {}): Vm {
  const vm = fixture('vm') as Vm;
  return { ...vm, accel: vm.accel ?? 'auto', name, id: `${name}-id`, state, status: statusIn(state), ...more };
}
