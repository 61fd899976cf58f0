import { afterEach, describe, expect, it } from 'vitest';
import { api, ApiError, call, callWithProgress, followVm, readEvents, setFetch } from '../api/client';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(enc.encode(chunk));
      c.close();
    },
  });
}

type Seen = { url: string; init?: RequestInit };
function fake(respond: (s: Seen) => Response): Seen[] {
  const seen: Seen[] = [];
  setFetch(async (url, init) => {
    const s = { url: String(url), init };
    seen.push(s);
    return respond(s);
  });
  return seen;
}

afterEach(() => setFetch((...a) => fetch(...a)));

function noError(): ApiError {
  throw new Error('the call did not fail');
}

describe('call', () => {
  it('POSTs JSON to /api/OP and returns the answer', async () => {
    const seen = fake(() => new Response('[{"name":"a"}]', { status: 200 }));
    const vms = await api.listVms();
    expect(vms).toEqual([{ name: 'a' }]);
    expect(seen[0].url).toBe('/api/listVms');
    expect(seen[0].init?.method).toBe('POST');
    const again = await api.showVm('my, vm');
    expect(again).toEqual([{ name: 'a' }]);
    expect(JSON.parse(String(seen[1].init?.body))).toEqual({ vm: 'my, vm' });
  });

  it('turns an error object into an ApiError with code and status', async () => {
    fake(
      () =>
        new Response('{"error":{"code":"notFound","message":"no VM named \'x\'"}}', {
          status: 404,
        }),
    );
    const e = await call('showVm', { vm: 'x' }).then(noError, (x: ApiError) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('notFound');
    expect(e.status).toBe(404);
    expect(e.message).toBe("no VM named 'x'");
  });

  it('names a transport failure and a non-JSON answer', async () => {
    setFetch(async () => {
      throw new TypeError('Failed to fetch');
    });
    const down = await call('listVms').then(noError, (x: ApiError) => x);
    expect(down.code).toBe('unreachable');
    fake(() => new Response('<html>', { status: 502 }));
    const junk = await call('listVms').then(noError, (x: ApiError) => x);
    expect(junk.message).toMatch(/502/);
  });
});

describe('callWithProgress', () => {
  it('reports each step, then returns the result, whatever the chunking', async () => {
    const seen = fake(
      () =>
        new Response(
          streamOf([
            '{"progress":{"step":"creating a 2 GiB',
            ' disk"}}\n{"progress":{"step":"writing config.json"}}\n{"res',
            'ult":{"name":"demo"}}\n',
          ]),
          { status: 200 },
        ),
    );
    const steps: string[] = [];
    const vm = await callWithProgress<{ name: string }>('createVm', { name: 'demo' }, (s) => steps.push(s));
    expect(vm).toEqual({ name: 'demo' });
    expect(steps).toEqual(['creating a 2 GiB disk', 'writing config.json']);
    expect((seen[0].init?.headers as Record<string, string>).Accept).toBe('application/x-ndjson');
  });

  it('throws the error line as an ApiError', async () => {
    fake(() => new Response(streamOf(['{"error":{"code":"alreadyExists","message":"taken"}}\n'])));
    const e = await callWithProgress('createVm', {}, () => {}).then(noError, (x: ApiError) => x);
    expect(e.code).toBe('alreadyExists');
  });

  it('a stream that ends without a result is an error', async () => {
    fake(() => new Response(streamOf(['{"progress":{"step":"x"}}\n'])));
    const e = await callWithProgress('startVm', {}, () => {}).then(noError, (x: ApiError) => x);
    expect(e.message).toMatch(/without a result/);
  });
});

describe('followVm', () => {
  it('asks for the log from where vmLogs ended', async () => {
    const seen = fake(() => new Response(streamOf(['event: log\ndata: three\n\n'])));
    const lines: string[] = [];
    await followVm('my vm', 'serial', { log: (t) => lines.push(t) }, new AbortController().signal, 8);
    expect(seen[0].url).toBe('/events?vm=my+vm&source=serial&from=8');
    expect(lines).toEqual(['three']);
  });
});

describe('readEvents', () => {
  it('parses state and multi-line log events split across chunks', async () => {
    const states: string[] = [];
    const logs: string[] = [];
    let gone = false;
    await readEvents(
      streamOf([
        'event: state\ndata: {"state":"run',
        'ning","pid":1}\n\nevent: log\ndata: line one\ndata: line two\n\n',
        'event: gone\ndata: x\n\n',
      ]),
      {
        state: (s) => states.push(s.state),
        log: (t) => logs.push(t),
        gone: () => (gone = true),
      },
    );
    expect(states).toEqual(['running']);
    expect(logs).toEqual(['line one\nline two']);
    expect(gone).toBe(true);
  });
});
