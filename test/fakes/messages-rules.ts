/**
 * The Claude Messages API as it behaves in December 2026 (anthropic-version 2023-06-01), for the
 * fakes in this folder. Each rule cites the page it comes from; when the service changes, change
 * the rule here first and let the tests show what broke.
 *
 * Pages (platform.claude.com/docs/en/…):
 * - [models]   about-claude/models/overview, models/<model>/overview: ids, context windows, retirements
 * - [whatsnew] models/sonnet-5-5/whats-new-sonnet-5-5: forced tool use is an error; `thinking`
 *              `disabled`/`enabled` rejected (lowest setting `between_tools`); thinking blocks are
 *              tied to the model and the conversation; text between tool calls comes in thinking blocks
 * - [sampling] models/sonnet-5-5/migration-guide: non-default temperature/top_p/top_k are 400s; no prefill
 * - [caching]  build-with-claude/prompt-caching: at most 4 breakpoints; 20-block lookback; minimum
 *              cacheable prefix (512 tokens on the 5.5 models, 1024 on Sonnet/Opus 5, 4096 on Haiku 4.5)
 *              lifetime `cache_control.ttl` `5m` (default) or `1h`, refreshed on each use; 1-hour writes cost
 *              2× input, 5-minute writes 1.25×; longer lifetimes must come before shorter ones; writes
 *              split by lifetime in `usage.cache_creation.ephemeral_{5m,1h}_input_tokens`
 * - [tools]    agents-and-tools/tool-use/implement-tool-use: input_schema is an object schema with no
 *              top-level oneOf/anyOf/allOf; every tool_use answered by a tool_result, results first
 * - [errors]   api/errors: `{type: 'error', error: {type, message}, request_id}`; 400 invalid_request_error,
 *              401 authentication_error, 404 not_found_error, 429 rate_limit_error, 529 overloaded_error
 * - [deprecations] about-claude/model-deprecations: retired ids answer 404
 */
import { createHash, createHmac } from 'node:crypto';

export interface FakeModel {
  contextWindow: number;
  minCacheTokens: number;
  /** The 5.5 generation: adaptive thinking only, no forced tool choice, no sampling parameters. */
  fiveFive: boolean;
  adaptive: boolean;
}

/** [models] The ids the fake serves. */
export const SERVED_MODELS: Readonly<Record<string, FakeModel>> = {
  'claude-sonnet-5-5': { contextWindow: 1_000_000, minCacheTokens: 512, fiveFive: true, adaptive: true },
  'claude-opus-5-5': { contextWindow: 1_000_000, minCacheTokens: 512, fiveFive: true, adaptive: true },
  'claude-haiku-5-5': { contextWindow: 1_000_000, minCacheTokens: 512, fiveFive: true, adaptive: true },
  'claude-sonnet-5': { contextWindow: 1_000_000, minCacheTokens: 1024, fiveFive: false, adaptive: true },
  'claude-haiku-4-5': { contextWindow: 200_000, minCacheTokens: 4096, fiveFive: false, adaptive: false },
};

/** A request body as the SDKs send it. */
export interface MessagesRequest {
  model: string;
  max_tokens: number;
  system?: string | { type: 'text'; text: string; cache_control?: unknown }[];
  tools?: { name: string; description?: string; input_schema: unknown; cache_control?: unknown }[];
  tool_choice?: { type: string; name?: string };
  thinking?: { type: string; budget_tokens?: number; display?: string };
  output_config?: { effort?: string };
  temperature?: number;
  top_p?: number;
  top_k?: number;
  messages: { role: 'user' | 'assistant'; content: string | Record<string, unknown>[] }[];
  /** Bedrock only. */
  anthropic_version?: string;
}

export interface ApiError {
  status: number;
  type: string;
  message: string;
}

const invalid = (message: string): ApiError => ({ status: 400, type: 'invalid_request_error', message });

/** Stand-in tokeniser: deterministic, about four characters a token, like English text. */
export const tokens = (value: unknown): number => Math.max(1, Math.ceil(JSON.stringify(value).length / 4));

/**
 * [models][deprecations] A served id, or the API's 404 for anything else: retired ids such as
 * claude-sonnet-4-5 (retired 2026-11-30) answer exactly like ids that never existed. Bedrock ids are
 * checked by the Bedrock route and passed here bare.
 */
export function servedModel(
  model: string,
  extra: Readonly<Record<string, FakeModel>> = {},
): FakeModel | ApiError {
  const served = SERVED_MODELS[model] ?? extra[model];
  if (served) return served;
  return { status: 404, type: 'not_found_error', message: `model: ${model}` };
}

const blocksOf = (content: string | Record<string, unknown>[]): Record<string, unknown>[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : content;

/**
 * [whatsnew] A thinking block's signature binds it to the model and to the conversation before it;
 * the fake signs with a key of its own, so a block that was edited, moved to another conversation,
 * or sent to another model fails verification, as on the real API.
 */
export function signThinking(model: string, history: MessagesRequest['messages'], thinking: string): string {
  const conversation = createHash('sha256')
    .update(JSON.stringify(history.map(stripCacheControl)))
    .digest('hex');
  return createHmac('sha256', 'fake-thinking-key')
    .update(`${model}\n${conversation}\n${thinking}`)
    .digest('base64');
}

export function stripCacheControl(message: MessagesRequest['messages'][number]): unknown {
  return {
    role: message.role,
    content: blocksOf(message.content).map((b) => {
      const { cache_control: _ignored, ...rest } = b;
      return rest;
    }),
  };
}

/** Every rule a request must pass before the model sees it; the first broken one, or null. */
export function validateRequest(
  body: MessagesRequest,
  model: FakeModel,
  /** The request hands back a `pause_turn` response as the last message, to let the model go on. */
  continuesPausedTurn = false,
): ApiError | null {
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return invalid('max_tokens: Field required');
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return invalid('messages: at least one message is required');
  // [tools]
  for (const [i, tool] of (body.tools ?? []).entries()) {
    const schema = tool.input_schema as Record<string, unknown> | undefined;
    if (!schema || schema.type !== 'object')
      return invalid(`tools.${i}.custom.input_schema.type: Input should be 'object'`);
    if (['oneOf', 'anyOf', 'allOf'].some((k) => k in schema))
      return invalid(
        `tools.${i}.custom.input_schema: input_schema does not support oneOf, allOf, or anyOf at the top level`,
      );
  }
  const choice = body.tool_choice?.type;
  // [whatsnew] Forced tool use is not supported on the 5.5 generation.
  if (model.fiveFive && (choice === 'any' || choice === 'tool'))
    return invalid(
      `tool_choice: forced tool use (type '${choice}') is not supported with this model; use 'auto' or 'none'`,
    );
  // [whatsnew] Thinking: adaptive (or between_tools) only; manual budgets and disabling are gone.
  const thinking = body.thinking?.type;
  if (model.fiveFive && (thinking === 'disabled' || thinking === 'enabled'))
    return invalid(
      `thinking.type: '${thinking}' is not supported on this model; use 'adaptive' or 'between_tools'`,
    );
  if (!model.adaptive && (thinking === 'adaptive' || body.output_config?.effort !== undefined))
    return invalid('adaptive thinking and output_config.effort are not supported on this model');
  if (
    body.output_config?.effort !== undefined &&
    !['low', 'medium', 'high', 'xhigh', 'max'].includes(body.output_config.effort)
  )
    return invalid(`output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'`);
  // [sampling]
  if (model.fiveFive) {
    for (const p of ['temperature', 'top_p', 'top_k'] as const)
      if (body[p] !== undefined)
        return invalid(`${p}: non-default sampling parameters are not supported on this model`);
    if (body.messages.at(-1)?.role === 'assistant' && !continuesPausedTurn)
      return invalid(
        'This model does not support assistant message prefill. The conversation must end with a user message.',
      );
  }
  return conversationError(body) ?? thinkingError(body);
}

/** [tools] Each assistant tool_use is answered, results first, in the very next user message. */
function conversationError(body: MessagesRequest): ApiError | null {
  for (const [i, message] of body.messages.entries()) {
    if (message.role !== 'assistant') continue;
    const uses = blocksOf(message.content)
      .filter((b) => b.type === 'tool_use')
      .map((b) => String(b.id));
    if (!uses.length) continue;
    const next = body.messages[i + 1];
    if (!next) continue;
    const blocks = blocksOf(next.content);
    const firstOther = blocks.findIndex((b) => b.type !== 'tool_result');
    const results = blocks.filter((b) => b.type === 'tool_result');
    if (firstOther !== -1 && blocks.slice(firstOther).some((b) => b.type === 'tool_result'))
      return invalid(`messages.${i + 1}: tool_result blocks must come before any other content`);
    const answered = new Set(results.map((b) => String(b.tool_use_id)));
    const missing = uses.find((id) => !answered.has(id));
    if (missing)
      return invalid(
        `messages.${i + 1}: tool_use ids were found without tool_result blocks immediately after: ${missing}`,
      );
  }
  return null;
}

/** [whatsnew] Thinking blocks come back unchanged, from this model, in this conversation. */
function thinkingError(body: MessagesRequest): ApiError | null {
  for (const [i, message] of body.messages.entries()) {
    if (message.role !== 'assistant') continue;
    for (const [j, block] of blocksOf(message.content).entries()) {
      if (block.type !== 'thinking') continue;
      const expected = signThinking(body.model, body.messages.slice(0, i), String(block.thinking ?? ''));
      if (block.signature !== expected)
        return invalid(`messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`);
    }
  }
  return null;
}

/** One block of the prompt as the cache sees it, with its breakpoint's lifetime when it has one. */
interface PromptBlock {
  value: unknown;
  /** `cache_control.ttl` of a breakpoint (`5m` when omitted); undefined when not a breakpoint. */
  ttl: unknown;
}

/** The prompt as the cache sees it: tools, then system, then every message block, in order. */
function promptBlocks(body: MessagesRequest): PromptBlock[] {
  const blocks: PromptBlock[] = [];
  const strip = (b: unknown) => {
    const { cache_control: _ignored, ...rest } = (b ?? {}) as Record<string, unknown>;
    return rest;
  };
  const ttlOf = (b: unknown): unknown => {
    const control = (b as { cache_control?: { ttl?: unknown } } | undefined)?.cache_control;
    return control ? (control.ttl ?? '5m') : undefined;
  };
  for (const tool of body.tools ?? []) blocks.push({ value: strip(tool), ttl: ttlOf(tool) });
  const system =
    typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : (body.system ?? []);
  for (const s of system) blocks.push({ value: strip(s), ttl: ttlOf(s) });
  for (const message of body.messages)
    blocksOf(message.content).forEach((c, i) =>
      blocks.push({ value: { role: message.role, first: i === 0, block: strip(c) }, ttl: ttlOf(c) }),
    );
  return blocks;
}

export interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** [caching] The writes split by lifetime. */
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

/** Cached prefixes by hash, with when each expires. */
export type PromptCache = Map<string, { ttlMs: number; expiresAt: number }>;

const TTL_MS: Readonly<Record<string, number>> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };

/**
 * [caching] Prompt-cache accounting by the documented rules: a cached prefix ends at a breakpoint;
 * a lookup walks back at most 20 blocks from each breakpoint; prefixes under the model's minimum
 * are silently not cached; reads and writes are reported apart from uncached input. An entry
 * lives 5 minutes (or 1 hour with `ttl: "1h"`, written at a higher price) from its last use; a
 * longer-lived breakpoint may not come after a shorter-lived one.
 */
export function accountCache(
  body: MessagesRequest,
  cache: PromptCache,
  minTokens: number,
  now: number = Date.now(),
): CacheUsage | ApiError {
  const blocks = promptBlocks(body);
  const hashes: string[] = [];
  const totals: number[] = [];
  const hash = createHash('sha256').update(body.model);
  let total = 0;
  for (const block of blocks) {
    hash.update(JSON.stringify(block.value));
    hashes.push(hash.copy().digest('hex'));
    total += tokens(block.value);
    totals.push(total);
  }
  const breakpoints = blocks.flatMap((b, i) => (b.ttl !== undefined ? [i] : []));
  if (breakpoints.length > 4)
    return invalid(
      'A maximum of 4 blocks with cache_control may be provided. Found ' + breakpoints.length + '.',
    );
  let shortestSoFar = Infinity;
  for (const b of breakpoints) {
    const ttl = blocks[b]?.ttl;
    const ms = typeof ttl === 'string' ? TTL_MS[ttl] : undefined;
    if (ms === undefined) return invalid(`cache_control.ttl: Input should be '5m' or '1h'`);
    if (ms > shortestSoFar)
      return invalid(
        'a cache_control block with ttl="1h" cannot come after one with ttl="5m": longer lifetimes must come first',
      );
    shortestSoFar = Math.min(shortestSoFar, ms);
  }
  const live = (h: string) => {
    const entry = cache.get(h);
    return entry !== undefined && entry.expiresAt > now;
  };
  let readEnd = -1;
  for (const b of breakpoints) {
    for (let j = b; j >= 0 && j >= b - 20; j--) {
      if (live(hashes[j] as string)) {
        readEnd = Math.max(readEnd, j);
        break;
      }
    }
  }
  const read = readEnd >= 0 ? (totals[readEnd] as number) : 0;
  // Each written segment is billed at the lifetime of the breakpoint that ends it.
  const written = { '5m': 0, '1h': 0 };
  const last = breakpoints.at(-1);
  if (last !== undefined && last > readEnd && (totals[last] as number) >= minTokens) {
    let from = read;
    for (const b of breakpoints) {
      if (b <= readEnd) continue;
      const upTo = totals[b] as number;
      written[blocks[b]?.ttl === '1h' ? '1h' : '5m'] += upTo - from;
      from = upTo;
    }
  }
  const write = written['5m'] + written['1h'];
  for (const b of breakpoints) {
    if ((totals[b] as number) < minTokens) continue;
    const ttlMs = TTL_MS[blocks[b]?.ttl as string] as number;
    const known = cache.get(hashes[b] as string);
    // A read or a new write refreshes the entry for its lifetime from now.
    cache.set(hashes[b] as string, {
      ttlMs: Math.max(ttlMs, known?.ttlMs ?? 0),
      expiresAt: now + Math.max(ttlMs, known?.ttlMs ?? 0),
    });
  }
  if (readEnd >= 0) {
    // The prefix read is refreshed too, wherever its entry ends.
    const entry = cache.get(hashes[readEnd] as string);
    if (entry) entry.expiresAt = now + entry.ttlMs;
  }
  return {
    input_tokens: total - read - write,
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
    cache_creation: { ephemeral_5m_input_tokens: written['5m'], ephemeral_1h_input_tokens: written['1h'] },
  };
}

/** The whole prompt's size, to refuse one past the context window as the API does. */
export function promptTokens(body: MessagesRequest): number {
  return promptBlocks(body).reduce((n, b) => n + tokens(b.value), 0);
}
