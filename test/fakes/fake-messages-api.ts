/**
 * A fake Claude Messages API on 127.0.0.1 that plays the service as of December 2026 (the rules and
 * their sources are in ./messages-rules.ts), answering from a script. It also stands in for Amazon
 * Bedrock's InvokeModel (`POST /model/{modelId}/invoke`, SigV4-signed, `anthropic_version` in the body and no `model`; docs.aws.amazon.com/bedrock/latest/userguide/
 * model-parameters-anthropic-claude-messages.html and platform.claude.com/docs/en/build-with-claude/
 * claude-on-amazon-bedrock). Both SDKs use it unmodified through ANTHROPIC_BASE_URL and
 * ANTHROPIC_BEDROCK_BASE_URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  accountCache,
  type PromptCache,
  promptTokens,
  servedModel,
  signThinking,
  tokens,
  validateRequest,
  type ApiError,
  stripCacheControl,
  type CacheUsage,
  type FakeModel,
  type MessagesRequest,
} from './messages-rules.js';
import { sigV4Problem, type Credentials } from './sigv4.js';

export type { MessagesRequest } from './messages-rules.js';

export type ScriptedTurn =
  | { content: Record<string, unknown>[]; stop_reason?: string }
  | { error: { status: number; type: string; message: string; headers?: Record<string, string> } }
  | { hang: true }
  /** A 200 whose body is not a Messages response. */
  | { raw: string; contentType?: string };

/** A scripted model: given the request and its index (0-based), what the "model" answers. */
export type ModelScript = (request: MessagesRequest, index: number) => ScriptedTurn | Promise<ScriptedTurn>;

export interface Usage extends CacheUsage {
  output_tokens: number;
}

export interface RecordedRequest {
  body: MessagesRequest;
  /** `anthropic` for /v1/messages, `bedrock` for /model/{id}/invoke. */
  api: 'anthropic' | 'bedrock';
  /** The model as the request named it (the path's id on Bedrock). */
  model: string;
  authorization: string | undefined;
  apiKey: string | undefined;
  usage?: Usage;
  /** 200, or the error status the fake answered (rule breaches included). */
  status: number;
  /** The error the fake answered, when it did. */
  error?: ApiError;
  receivedAt: number;
}

export interface FakeMessagesApi {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeOptions {
  script: ModelScript;
  /** Bedrock: the only credentials and region whose signatures it accepts. */
  bedrock?: Credentials & { region: string };
  /** Models served beyond the current line-up (say, one newer than the agent's model table). */
  models?: Readonly<Record<string, FakeModel>>;
  /** The fake's clock for cache lifetimes (default the wall clock), so a test can let time pass. */
  now?: () => number;
}

/** Bedrock ids for the served models: global/regional inference profiles, or the base `-v1:0` id. */
function bedrockModel(id: string): string | null {
  const m = decodeURIComponent(id).match(
    /^(?:(?:global|us|eu|apac|jp|au)\.)?anthropic\.(claude-[a-z0-9-]+?)(?:-\d{8})?(?:-v\d+:\d+)?$/,
  );
  return m ? (m[1] as string) : null;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendAnthropicError(res: ServerResponse, e: ApiError, headers: Record<string, string> = {}): void {
  send(
    res,
    e.status,
    { type: 'error', error: { type: e.type, message: e.message }, request_id: 'req_fake' },
    headers,
  );
}

/** Bedrock's error shape: `{message}` plus the exception name in `x-amzn-ErrorType`. */
function sendBedrockError(res: ServerResponse, e: ApiError): void {
  const name =
    e.status === 403
      ? 'AccessDeniedException'
      : e.status === 404
        ? 'ResourceNotFoundException'
        : e.status === 429
          ? 'ThrottlingException'
          : e.status >= 500
            ? 'ServiceUnavailableException'
            : 'ValidationException';
  send(
    res,
    e.status,
    { message: e.message },
    { 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
  );
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

/** Start the fake on 127.0.0.1; every request is recorded, rule breaches included. */
export async function startFakeMessagesApi(options: FakeOptions): Promise<FakeMessagesApi> {
  const caches = new Map<string, PromptCache>();
  const requests: RecordedRequest[] = [];
  // Paused turns the fake answered: handing one back as the last message continues it.
  const paused = new Set<string>();
  let scripted = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const bedrockPath = req.url?.match(/^\/model\/([^/]+)\/invoke$/);
    const api = bedrockPath ? 'bedrock' : 'anthropic';
    const fail = (e: ApiError, record?: RecordedRequest) => {
      if (record) Object.assign(record, { status: e.status, error: e });
      if (api === 'bedrock') sendBedrockError(res, e);
      else sendAnthropicError(res, e);
    };
    if (req.method !== 'POST' || (!bedrockPath && !req.url?.startsWith('/v1/messages'))) {
      fail({ status: 404, type: 'not_found_error', message: `no route ${req.method} ${req.url}` });
      return;
    }
    let body: MessagesRequest;
    try {
      body = JSON.parse(raw.toString('utf8')) as MessagesRequest;
    } catch {
      fail({ status: 400, type: 'invalid_request_error', message: 'request body is not valid JSON' });
      return;
    }
    const authorization = req.headers.authorization;
    const apiKey = req.headers['x-api-key'] as string | undefined;
    let modelId: string;
    if (bedrockPath) {
      const { bedrock } = options;
      const problem = bedrock
        ? sigV4Problem(
            { method: 'POST', url: req.url ?? '', headers: req.headers, body: raw },
            bedrock,
            'bedrock',
            bedrock.region,
          )
        : 'this fake was started without Bedrock credentials';
      const record: RecordedRequest = {
        body,
        api,
        model: decodeURIComponent(bedrockPath[1] as string),
        authorization,
        apiKey,
        status: 0,
        receivedAt: Date.now(),
      };
      requests.push(record);
      if (problem) return fail({ status: 403, type: 'permission_error', message: problem }, record);
      // The version goes in the body. Bedrock's own `bedrock-2023-05-31` and, for the 5.x models,
      // the API version today's SDK sends (2026-10-21; platform.claude.com/docs/en/build-with-claude/
      // claude-on-amazon-bedrock-legacy says the ARN-versioned legacy models refuse it).
      if (!['bedrock-2023-05-31', '2026-10-21'].includes(String(body.anthropic_version)))
        return fail(
          {
            status: 400,
            type: 'invalid_request_error',
            message: `anthropic_version: '${String(body.anthropic_version)}' is not supported`,
          },
          record,
        );
      if ((body as { model?: unknown }).model !== undefined)
        return fail(
          { status: 400, type: 'invalid_request_error', message: 'extraneous key [model] is not permitted' },
          record,
        );
      const base = bedrockModel(bedrockPath[1] as string);
      if (!base)
        return fail(
          {
            status: 400,
            type: 'invalid_request_error',
            message: 'The provided model identifier is invalid.',
          },
          record,
        );
      modelId = base;
      body = { ...body, model: base };
    } else {
      const record: RecordedRequest = {
        body,
        api,
        model: body.model,
        authorization,
        apiKey,
        status: 0,
        receivedAt: Date.now(),
      };
      requests.push(record);
      // [errors] Both x-api-key and a Bearer token authenticate.
      if (!authorization && !apiKey)
        return fail(
          { status: 401, type: 'authentication_error', message: 'x-api-key header is required' },
          record,
        );
      modelId = body.model;
    }
    const record = requests.at(-1) as RecordedRequest;
    const model = servedModel(modelId, options.models);
    if ('status' in model) return fail(model, record);
    const lastMessage = body.messages.at(-1);
    const continues =
      lastMessage?.role === 'assistant' && paused.has(JSON.stringify(stripCacheControl(lastMessage)));
    const broken = validateRequest(body, model, continues);
    if (broken) return fail(broken, record);
    const size = promptTokens(body);
    if (size > model.contextWindow)
      return fail(
        {
          status: 400,
          type: 'invalid_request_error',
          message: `prompt is too long: ${size} tokens > ${model.contextWindow} maximum`,
        },
        record,
      );

    const turn = await options.script(body, scripted++);
    if ('hang' in turn) {
      // Never answer: the client's abort or timeout must end this.
      await new Promise<void>((resolve) => res.on('close', resolve));
      return;
    }
    if ('raw' in turn) {
      record.status = 200;
      res.writeHead(200, { 'content-type': turn.contentType ?? 'application/json' });
      res.end(turn.raw);
      return;
    }
    if ('error' in turn) {
      record.status = turn.error.status;
      record.error = turn.error;
      if (api === 'bedrock') sendBedrockError(res, turn.error);
      else sendAnthropicError(res, turn.error, turn.error.headers);
      return;
    }
    const cache: PromptCache = caches.get(modelId) ?? new Map();
    caches.set(modelId, cache);
    const usage = accountCache(body, cache, model.minCacheTokens, (options.now ?? Date.now)());
    if ('status' in usage) return fail(usage, record);
    // [whatsnew] Thinking blocks come signed for this model and this conversation.
    const content = turn.content.map((block) =>
      block.type === 'thinking'
        ? { ...block, signature: signThinking(modelId, body.messages, String(block.thinking)) }
        : block,
    );
    const full: Usage = { ...usage, output_tokens: tokens(content) };
    record.usage = full;
    record.status = 200;
    if (turn.stop_reason === 'pause_turn')
      paused.add(JSON.stringify(stripCacheControl({ role: 'assistant', content })));
    send(res, 200, {
      id: `msg_fake_${requests.length}`,
      type: 'message',
      role: 'assistant',
      model: modelId,
      content,
      stop_reason: turn.stop_reason ?? (content.some((c) => c.type === 'tool_use') ? 'tool_use' : 'end_turn'),
      stop_sequence: null,
      usage: full,
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
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
