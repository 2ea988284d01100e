import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fault-injecting HTTP proxy on 127.0.0.1, put in front of one of the sandbox's local APIs.
 * Each request is matched against the rules in order; the first rule that matches (and has uses
 * left) decides what happens to it, anything else is forwarded untouched. Every wait is bounded
 * and every hung request is ended when the proxy closes, so a test cannot leave it running.
 */
export type Fault =
  /** Answer at once with this status, headers and body, without forwarding. */
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: unknown }
  /** Forward the request (the API acts on it), but hold the answer back this long. */
  | { kind: 'slow'; ms: number }
  /** Never answer: the client must give up on its own. */
  | { kind: 'hang' }
  /** Slack's way to fail: HTTP 200 with `{ok: false, error}`. */
  | { kind: 'slack-error'; error: string };

export interface FaultRule {
  /** Method and path, e.g. `POST /api/chat.postMessage`; a RegExp is tested against that string. */
  match: RegExp;
  fault: Fault;
  /** How many matching requests it applies to (default: all). */
  times?: number;
}

export interface FaultProxy {
  url: string;
  /** `METHOD /path` of every request seen, in order, with the fault applied to it, if any. */
  seen: { request: string; fault?: Fault['kind'] }[];
  close(): Promise<void>;
}

const MAX_DELAY_MS = 60_000;

/** Start a proxy for `target` (an origin such as `http://127.0.0.1:4567`). */
export async function startFaultProxy(target: string, rules: FaultRule[]): Promise<FaultProxy> {
  const upstream = new URL(target);
  const left = rules.map((r) => r.times ?? Number.POSITIVE_INFINITY);
  const seen: FaultProxy['seen'] = [];
  const hung = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        fn();
      },
      Math.min(ms, MAX_DELAY_MS),
    );
    timers.add(timer);
  };

  const forward = (
    req: IncomingMessage,
    body: Buffer,
    done: (status: number, headers: Record<string, string>, answer: Buffer) => void,
  ) => {
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
          done(res.statusCode ?? 502, headers, Buffer.concat(chunks));
        });
      },
    );
    out.on('error', () => done(502, {}, Buffer.from('proxy: upstream failed')));
    out.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const line = `${req.method ?? 'GET'} ${new URL(req.url ?? '/', 'http://x').pathname}`;
      const index = rules.findIndex((r, i) => r.match.test(line) && (left[i] ?? 0) > 0);
      const rule = index >= 0 ? rules[index] : undefined;
      if (rule) left[index] = (left[index] ?? 1) - 1;
      seen.push({ request: line, ...(rule ? { fault: rule.fault.kind } : {}) });
      const body = Buffer.concat(chunks);
      const reply = (status: number, headers: Record<string, string>, answer: Buffer) => {
        if (res.destroyed) return;
        const {
          'content-length': _length,
          'transfer-encoding': _encoding,
          connection: _connection,
          ...rest
        } = headers;
        res.writeHead(status, { ...rest, 'content-length': String(answer.length) });
        res.end(answer);
      };
      const fault = rule?.fault;
      if (!fault) return forward(req, body, reply);
      switch (fault.kind) {
        case 'respond': {
          const text = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body ?? {});
          return reply(
            fault.status,
            { 'content-type': 'application/json', ...fault.headers },
            Buffer.from(text),
          );
        }
        case 'slack-error':
          return reply(
            200,
            { 'content-type': 'application/json' },
            Buffer.from(JSON.stringify({ ok: false, error: fault.error })),
          );
        case 'slow':
          return forward(req, body, (status, headers, answer) =>
            later(fault.ms, () => reply(status, headers, answer)),
          );
        case 'hang':
          hung.add(res);
          res.on('close', () => hung.delete(res));
          return undefined;
      }
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const res of hung) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
