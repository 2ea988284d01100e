import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../errors/errors.js';
import type { Logger } from '../util/log.js';
import { parseCommandText } from './command-text.js';
import { CooldownTracker } from './cooldown.js';
import type { DiagnosisRequest, Dispatcher } from './dispatcher.js';
import { acceptedReply, busyReply, cooldownReply, failedReply, helpReply } from './replies.js';
import { postToResponseUrl, type ResponseMessage } from './response-url.js';
import { verifySlackSignature } from './signature.js';
import { WorkQueue, type QueueStats } from './work-queue.js';

export interface SlackCommandServerOptions {
  signingSecret: string;
  dispatcher: Dispatcher;
  /** Resolve and check the service and namespace before anything is queued (aliases, allowed namespaces). */
  validate: (
    service: string,
    namespace: string | undefined,
  ) => Promise<{ service: string; namespace: string } | { error: string }>;
  /** At most this many diagnoses (or Job creations) at once. */
  concurrency: number;
  /** At most this many waiting; more get a polite busy reply. */
  queueLimit: number;
  /** A repeat for the same service within this long after the last one points to it. */
  cooldownMs: number;
  /** The channel reports go to, for the replies. */
  channel: string | null;
  logger: Logger;
  now?: () => number;
  fetch?: typeof fetch;
  /** How long a whole request, body included, may take (default 10 s): a slow body holds nothing longer. */
  requestTimeoutMs?: number;
  /**
   * An interactive payload (a button click), already authenticated, handled after Slack has its
   * acknowledgement (src/actions/slack-approval.ts). Without it clicks are acknowledged and ignored.
   */
  onInteraction?: (payload: unknown) => Promise<unknown>;
  /**
   * A click whose signature did not verify: audited, never answered in Slack (whose user and
   * channel it names cannot be believed).
   */
  onUnverifiedInteraction?: (reason: string) => void;
}

export interface SlackCommandServer {
  url: string;
  port: number;
  stats(): QueueStats & { dispatch: Dispatcher['kind'] };
  /**
   * Answer one slash command's form fields (already authenticated): the same queue, cooldown and
   * dispatch whether it came over HTTP or as a Socket Mode envelope. '' means "no reply".
   */
  handleCommand(params: URLSearchParams): Promise<ResponseMessage | ''>;
  /**
   * Take one interactive payload (already authenticated) and return at once, so that the
   * acknowledgement goes back within Slack's three seconds; the work goes on behind it.
   */
  handleInteraction(payload: unknown): void;
  /** Resolves once every accepted diagnosis and every interaction has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

async function readRaw(req: IncomingMessage): Promise<Buffer | null> {
  // A declared length over the cap is refused before a byte of the body is read.
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type':
      typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * The slash-command endpoint on node:http: verify, answer within Slack's three seconds, and run
 * the diagnosis afterwards in a bounded queue. `POST /slack/commands` (or `/`), `POST
 * /slack/actions` (button clicks), `GET /healthz`, `GET /stats` (the queue's counters).
 */
export async function startSlackCommandServer(
  options: SlackCommandServerOptions,
  listen: { port: number; host: string },
): Promise<SlackCommandServer> {
  const { logger } = options;
  const now = options.now ?? Date.now;
  const queue = new WorkQueue(options.concurrency, options.queueLimit, (error) =>
    logger.error('a queued diagnosis failed', { error: errorMessage(error) }),
  );
  const cooldown = new CooldownTracker(options.cooldownMs, now);

  const replyTo = (url: string) => async (message: ResponseMessage) => {
    await postToResponseUrl(url, message, { logger, ...(options.fetch ? { fetch: options.fetch } : {}) });
  };

  const runTask = (request: DiagnosisRequest) => async () => {
    const reply = replyTo(request.responseUrl);
    cooldown.update(request.service, request.namespace, { state: 'running' });
    try {
      const result = await options.dispatcher.run(request, reply);
      if (result.state === 'refused') cooldown.forget(request.service, request.namespace);
      else cooldown.update(request.service, request.namespace, { ...result, state: result.state });
    } catch (error) {
      // A failed run must not hold the cooldown: the next request should try again.
      cooldown.forget(request.service, request.namespace);
      logger.error(`diagnosis of ${request.service} failed`, { error: errorMessage(error) });
      await reply(failedReply(request.service, errorMessage(error)));
    }
  };

  const command = async (params: URLSearchParams): Promise<ResponseMessage | ''> => {
    if (params.get('ssl_check') === '1') return '';
    const name = params.get('command') || '/sre';
    const parsed = parseCommandText(params.get('text') ?? '');
    if (parsed.kind === 'help') return helpReply(name);
    if (parsed.kind === 'unknown') return helpReply(name, parsed.problem);
    const responseUrl = params.get('response_url') ?? '';
    if (!/^https?:\/\//.test(responseUrl)) return helpReply(name, 'the request carries no response_url');
    const checked = await options.validate(parsed.service, parsed.namespace);
    if ('error' in checked) return helpReply(name, checked.error);
    const { service, namespace } = checked;
    const current = cooldown.current(service, namespace);
    if (current) return cooldownReply(current, now(), options.channel);
    const requestedBy = params.get('user_id') ?? '';
    const window = Math.floor(now() / Math.max(options.cooldownMs, 1));
    const request: DiagnosisRequest = {
      service,
      namespace,
      requestedBy,
      responseUrl,
      dedupeKey: `slack:${namespace}/${service}:${window}`,
      text: `Asked for in Slack with ${name} diagnose by ${requestedBy || 'an unknown user'}${params.get('channel_name') ? ` in #${params.get('channel_name')}` : ''}.`,
    };
    cooldown.begin({ service, namespace, requestedBy });
    const position = queue.offer(runTask(request));
    if (position === null) {
      cooldown.forget(service, namespace);
      const stats = queue.snapshot();
      logger.warn(`busy: refused a diagnosis of ${service}`, {
        running: stats.running,
        queued: stats.queued,
      });
      return busyReply(service, stats.running, stats.queued);
    }
    logger.info(`accepted a diagnosis of ${service}`, { namespace, position, requestedBy });
    return acceptedReply(service, namespace, position, options.channel);
  };

  const interactions = new Set<Promise<unknown>>();
  const interaction = (payload: unknown): void => {
    if (!options.onInteraction) return;
    const work = options
      .onInteraction(payload)
      .catch((error: unknown) => logger.error('an interaction failed', { error: errorMessage(error) }))
      .finally(() => interactions.delete(work));
    interactions.add(work);
  };

  const requestTimeout = options.requestTimeoutMs ?? 10_000;
  // Given to the constructor: on Node 20, setting `server.requestTimeout` after createServer() is
  // not applied. Slack sends a few hundred bytes and wants an answer within 3 s; a client that
  // trickles its headers or body is cut off instead of holding a connection for a minute. The
  // check runs every second (the default is every 30 s).
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(5_000, requestTimeout),
      connectionsCheckingInterval: Math.min(1_000, requestTimeout),
      keepAliveTimeout: 5_000,
    },
    (req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      void (async () => {
        if (req.method === 'GET' && path === '/healthz') return send(res, 200, 'ok');
        if (req.method === 'GET' && path === '/stats')
          return send(res, 200, { ...queue.snapshot(), dispatch: options.dispatcher.kind });
        const isAction = path === '/slack/actions';
        if (req.method !== 'POST' || (path !== '/slack/commands' && path !== '/' && !isAction))
          return send(res, 404, 'not found');
        const body = await readRaw(req);
        if (!body) return send(res, 413, 'request body too large');
        const check = verifySlackSignature({
          secret: options.signingSecret,
          timestamp: header(req, 'x-slack-request-timestamp'),
          signature: header(req, 'x-slack-signature'),
          body,
          nowSeconds: Math.floor(now() / 1000),
        });
        if (!check.ok) {
          logger.warn(`refused a Slack request: ${check.reason}`);
          if (isAction) options.onUnverifiedInteraction?.(check.reason);
          return send(res, 401, check.reason);
        }
        const params = new URLSearchParams(body.toString('utf8'));
        if (isAction) {
          // Interactivity: form field `payload`, JSON; acknowledged with an empty 200 at once.
          let payload: unknown;
          try {
            payload = JSON.parse(params.get('payload') ?? '');
          } catch {
            return send(res, 400, 'the request has no JSON payload field');
          }
          send(res, 200, '');
          return interaction(payload);
        }
        const reply = await command(params);
        return send(res, 200, reply);
      })().catch((error: unknown) => {
        logger.error('slash command handling failed', { error: errorMessage(error) });
        if (!res.headersSent) send(res, 500, 'internal error');
        else res.destroy();
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    stats: () => ({ ...queue.snapshot(), dispatch: options.dispatcher.kind }),
    handleCommand: command,
    handleInteraction: interaction,
    idle: async () => {
      await queue.idle();
      while (interactions.size > 0) await Promise.allSettled([...interactions]);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
