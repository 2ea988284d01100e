import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The sandbox's Socket Mode endpoint, playing Slack's Socket Mode as documented in 2026
 * (https://docs.slack.dev/apis/events-api/using-socket-mode/ and the `apps.connections.open`
 * reference): `apps.connections.open`, called with the app-level token (`xapp-…`), answers a
 * one-use WebSocket URL; on connecting, the app receives `{type: "hello", num_connections,
 * debug_info, connection_info}`; every event then arrives as an envelope `{envelope_id, type,
 * payload, accepts_response_payload}` — a slash command as `type: "slash_commands"` whose payload is
 * the command's form fields — and the app acknowledges it by sending `{envelope_id, payload?}`
 * within three seconds, the payload being what an HTTP app would have answered. Slack pings the
 * connection; the official client reconnects when it hears no ping for 30 s, so this one pings too.
 */
export interface SlackSocketHub {
  /** A URL for one connection, as `apps.connections.open` answers it. */
  openUrl(): string;
  /**
   * Deliver one envelope to a connected app — a slash command's fields, or (`interactive`) a
   * button click's block_actions payload — and resolve with its acknowledgement payload.
   */
  deliver(
    fields: Record<string, unknown>,
    timeoutMs?: number,
    type?: 'slash_commands' | 'interactive',
  ): Promise<{ acked: true; payload: unknown } | { acked: false; reason: 'no-client' | 'timeout' }>;
  connections(): number;
  close(): Promise<void>;
}

export async function startSlackSocketHub(options: { appId: string }): Promise<SlackSocketHub> {
  const tickets = new Set<string>();
  const clients = new Set<WebSocket>();
  const waiting = new Map<string, (payload: unknown) => void>();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as AddressInfo).port;

  wss.on('connection', (socket, req) => {
    const ticket = new URL(req.url ?? '/', 'ws://127.0.0.1').searchParams.get('ticket') ?? '';
    // A URL is good for one connection, as Slack's are.
    if (!tickets.delete(ticket)) {
      socket.close(4001, 'invalid ticket');
      return;
    }
    clients.add(socket);
    const ping = setInterval(() => socket.ping(), 10_000);
    socket.on('close', () => {
      clearInterval(ping);
      clients.delete(socket);
    });
    socket.on('message', (data) => {
      let ack: { envelope_id?: unknown; payload?: unknown };
      try {
        ack = JSON.parse(String(data)) as typeof ack;
      } catch {
        return;
      }
      const resolve = typeof ack.envelope_id === 'string' ? waiting.get(ack.envelope_id) : undefined;
      if (resolve) resolve(ack.payload ?? null);
    });
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: clients.size,
        debug_info: { host: 'sre-agent-sandbox', approximate_connection_time: 18060 },
        connection_info: { app_id: options.appId },
      }),
    );
  });

  return {
    openUrl: () => {
      const ticket = randomUUID();
      tickets.add(ticket);
      return `ws://127.0.0.1:${port}/link/?ticket=${ticket}&app_id=${options.appId}`;
    },
    connections: () => clients.size,
    deliver: (fields, timeoutMs = 3_000, type = 'slash_commands') => {
      const socket = [...clients].find((c) => c.readyState === c.OPEN);
      if (!socket) return Promise.resolve({ acked: false, reason: 'no-client' });
      const envelopeId = randomUUID();
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(envelopeId);
          resolve({ acked: false, reason: 'timeout' });
        }, timeoutMs);
        waiting.set(envelopeId, (payload) => {
          clearTimeout(timer);
          waiting.delete(envelopeId);
          resolve({ acked: true, payload });
        });
        socket.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            accepts_response_payload: type === 'slash_commands',
            payload: fields,
          }),
        );
      });
    },
    close: async () => {
      for (const client of clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
