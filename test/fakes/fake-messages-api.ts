import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request body as the Anthropic SDK sends it to POST /v1/messages. */
export interface MessagesRequest {
  model: string;
  max_tokens: number;
  system?: string | { type: 'text'; text: string; cache_control?: unknown }[];
  tools?: { name: string; description?: string; input_schema: unknown; cache_control?: unknown }[];
  tool_choice?: unknown;
  messages: { role: 'user' | 'assistant'; content: string | Record<string, unknown>[] }[];
}

export type ScriptedTurn =
  | { content: Record<string, unknown>[]; stop_reason?: string }
  | { error: { status: number; type: string; message: string; headers?: Record<string, string> } }
  | { hang: true };

/** A scripted model: given the request and its index (0-based), what the "model" answers. */
export type ModelScript = (request: MessagesRequest, index: number) => ScriptedTurn | Promise<ScriptedTurn>;

export interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

export interface RecordedRequest {
  body: MessagesRequest;
  authorization: string | undefined;
  apiKey: string | undefined;
  usage?: CacheUsage;
  status: number;
  receivedAt: number;
}

export interface FakeMessagesApi {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

// Stand-in tokeniser: deterministic, about four characters a token, like English text.
const tokens = (value: unknown): number => Math.max(1, Math.ceil(JSON.stringify(value).length / 4));

function withoutCacheControl(block: unknown): unknown {
  if (!block || typeof block !== 'object') return block;
  const { cache_control: _ignored, ...rest } = block as Record<string, unknown>;
  return rest;
}

/** The prompt as the cache sees it: tools, then system, then every message block, in order. */
function promptBlocks(body: MessagesRequest): { value: unknown; breakpoint: boolean }[] {
  const blocks: { value: unknown; breakpoint: boolean }[] = [];
  for (const tool of body.tools ?? [])
    blocks.push({ value: withoutCacheControl(tool), breakpoint: Boolean(tool.cache_control) });
  const system =
    typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : (body.system ?? []);
  for (const s of system)
    blocks.push({
      value: withoutCacheControl(s),
      breakpoint: Boolean((s as { cache_control?: unknown }).cache_control),
    });
  for (const message of body.messages) {
    const content =
      typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    content.forEach((c, i) =>
      blocks.push({
        value: { role: message.role, first: i === 0, block: withoutCacheControl(c) },
        breakpoint: Boolean(c.cache_control),
      }),
    );
  }
  return blocks;
}

/**
 * Prompt-cache accounting by the documented rules: a cached prefix ends at a breakpoint; a lookup
 * walks back at most 20 blocks from each breakpoint; prefixes under the minimum are not cached;
 * reads and writes are reported separately from uncached input.
 */
export function accountCache(
  body: MessagesRequest,
  cache: Set<string>,
  minTokens: number,
): Omit<CacheUsage, 'output_tokens'> {
  const blocks = promptBlocks(body);
  const hashes: string[] = [];
  const totals: number[] = [];
  const hash = createHash('sha256');
  let total = 0;
  for (const block of blocks) {
    hash.update(JSON.stringify(block.value));
    hashes.push(hash.copy().digest('hex'));
    total += tokens(block.value);
    totals.push(total);
  }
  const breakpoints = blocks.flatMap((b, i) => (b.breakpoint ? [i] : []));
  if (breakpoints.length > 4) throw new Error('A maximum of 4 blocks with cache_control may be provided.');
  let readEnd = -1;
  for (const b of breakpoints) {
    for (let j = b; j >= 0 && j >= b - 20; j--) {
      if (cache.has(hashes[j] as string)) {
        readEnd = Math.max(readEnd, j);
        break;
      }
    }
  }
  const read = readEnd >= 0 ? (totals[readEnd] as number) : 0;
  let write = 0;
  const last = breakpoints.at(-1);
  if (last !== undefined && last > readEnd && (totals[last] as number) >= minTokens) {
    write = (totals[last] as number) - read;
  }
  for (const b of breakpoints) if ((totals[b] as number) >= minTokens) cache.add(hashes[b] as string);
  return {
    input_tokens: total - read - write,
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': `req_${Date.now()}`,
    ...headers,
  });
  res.end(JSON.stringify(body));
}

/** Start a fake Messages API on 127.0.0.1 that answers from a script and accounts the prompt cache. */
export async function startFakeMessagesApi(options: {
  script: ModelScript;
  minCacheTokens?: number;
}): Promise<FakeMessagesApi> {
  const cache = new Set<string>();
  const requests: RecordedRequest[] = [];
  const minTokens = options.minCacheTokens ?? 1024;
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
        send(res, 404, {
          type: 'error',
          error: { type: 'not_found_error', message: `no route ${req.method} ${req.url}` },
        });
        return;
      }
      const authorization = req.headers.authorization;
      const apiKey = req.headers['x-api-key'] as string | undefined;
      if (!authorization && !apiKey) {
        send(res, 401, {
          type: 'error',
          error: { type: 'authentication_error', message: 'missing API key' },
        });
        return;
      }
      const body = JSON.parse(await readBody(req)) as MessagesRequest;
      const record: RecordedRequest = { body, authorization, apiKey, status: 0, receivedAt: Date.now() };
      requests.push(record);
      const turn = await options.script(body, requests.length - 1);
      if ('hang' in turn) {
        // Never answer: the client's abort or timeout must end this.
        await new Promise<void>((resolve) => res.on('close', resolve));
        return;
      }
      if ('error' in turn) {
        record.status = turn.error.status;
        send(
          res,
          turn.error.status,
          {
            type: 'error',
            error: { type: turn.error.type, message: turn.error.message },
            request_id: 'req_fake',
          },
          turn.error.headers,
        );
        return;
      }
      let cacheUsage: Omit<CacheUsage, 'output_tokens'>;
      try {
        cacheUsage = accountCache(body, cache, minTokens);
      } catch (error) {
        record.status = 400;
        send(res, 400, {
          type: 'error',
          error: { type: 'invalid_request_error', message: (error as Error).message },
        });
        return;
      }
      const usage = { ...cacheUsage, output_tokens: tokens(turn.content) };
      record.usage = usage;
      record.status = 200;
      send(res, 200, {
        id: `msg_fake_${requests.length}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: turn.content,
        stop_reason:
          turn.stop_reason ?? (turn.content.some((c) => c.type === 'tool_use') ? 'tool_use' : 'end_turn'),
        stop_sequence: null,
        usage,
      });
    })().catch((error: unknown) => {
      if (!res.headersSent)
        send(res, 500, { type: 'error', error: { type: 'api_error', message: String(error) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
