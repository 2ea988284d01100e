import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signSlackRequest } from '../../src/slack-command/signature.js';

/** A local stand-in for Slack's `response_url` endpoints: records every JSON message by path. */
export interface ResponseUrls {
  url(id: string): string;
  messages(id: string): { text: string; response_type?: string }[];
  /** Every message to any of these URLs, in the order they arrived. */
  sequence(): { id: string; text: string }[];
  close(): Promise<void>;
}

export async function startResponseUrls(): Promise<ResponseUrls> {
  const received = new Map<string, { text: string }[]>();
  const sequence: { id: string; text: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = (req.url ?? '/').slice(1);
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text: string };
      received.set(id, [...(received.get(id) ?? []), message]);
      sequence.push({ id, text: message.text });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (id) => `http://127.0.0.1:${port}/${id}`,
    messages: (id) => received.get(id) ?? [],
    sequence: () => [...sequence],
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface CommandReply {
  status: number;
  ms: number;
  body: string;
  json?: { text?: string; response_type?: string };
}

/** POST a slash command to `endpoint` as Slack does: form-encoded, signed, timestamped. */
export async function postCommand(
  endpoint: string,
  fields: Record<string, string>,
  options: { secret: string; timestamp?: number; signature?: string },
): Promise<CommandReply> {
  const body = new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0SANDBOX1',
    team_domain: 'sandbox',
    channel_id: 'C0SANDBOX1',
    channel_name: 'incidents',
    user_id: 'U0ALICE',
    user_name: 'alice',
    command: '/sre',
    api_app_id: 'A0SREAGENT',
    trigger_id: '1.2.3',
    ...fields,
  }).toString();
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const started = Date.now();
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': options.signature ?? signSlackRequest(options.secret, timestamp, body),
    },
    body,
  });
  const text = await response.text();
  const ms = Date.now() - started;
  let json: CommandReply['json'];
  try {
    json = JSON.parse(text) as CommandReply['json'];
  } catch {
    json = undefined;
  }
  return { status: response.status, ms, body: text, ...(json ? { json } : {}) };
}

/** Poll until `check` holds (or fail after `timeoutMs`): for what happens after the acknowledgement. */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
