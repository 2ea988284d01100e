import type { IncomingMessage } from 'node:http';
import { checkBlocks } from './slack-blocks-check.js';
import { readBody } from './local-http.js';

/**
 * How the local Slack Web API reads a call's arguments as Slack does: form or JSON bodies and the
 * query string, the token from the header or the body, JSON-in-text arguments, booleans, and the
 * text and blocks of a message with the errors Slack gives for bad ones.
 */

export type Args = Record<string, unknown>;
export type Reply = Record<string, unknown>;

/** Message metadata as chat.postMessage takes it (docs.slack.dev/messaging/message-metadata). */
export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** `metadata` arrives as an object (JSON body) or JSON text (form body); anything else is refused. */
export function metadataArg(value: unknown): { ok: true; value?: MessageMetadata } | { ok: false } {
  if (value === undefined || value === '') return { ok: true };
  const parsed = jsonArg(value);
  if (!parsed.ok) return { ok: false };
  const m = parsed.value as Partial<MessageMetadata> | null;
  if (!m || typeof m !== 'object' || typeof m.event_type !== 'string' || typeof m.event_payload !== 'object')
    return { ok: false };
  return { ok: true, value: { event_type: m.event_type, event_payload: m.event_payload ?? {} } };
}

/** Form bodies carry everything as strings, JSON bodies as values; query parameters count too. */
export async function readArgs(req: IncomingMessage, url: URL): Promise<Args> {
  const args: Args = Object.fromEntries(url.searchParams);
  const body = (await readBody(req)).toString('utf8');
  if (body === '') return args;
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    const parsed = JSON.parse(body) as unknown;
    return typeof parsed === 'object' && parsed !== null ? { ...args, ...(parsed as Args) } : args;
  }
  return { ...args, ...Object.fromEntries(new URLSearchParams(body)) };
}

/** `blocks` and `attachments` arrive as JSON text in form bodies. */
export function jsonArg(value: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof value !== 'string') return { ok: true, value };
  try {
    return { ok: true, value: JSON.parse(value) as unknown };
  } catch {
    return { ok: false };
  }
}

export function tokenOf(req: IncomingMessage, args: Args): string | undefined {
  const header = req.headers.authorization ?? '';
  if (header.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return typeof args.token === 'string' ? args.token : undefined;
}

/** Slack reads boolean arguments as `true`/`1` in forms and `true` in JSON. */
export const truthy = (value: unknown): boolean =>
  value === true || value === 'true' || value === '1' || value === 1;

export interface MessageContent {
  text: string;
  blocks?: unknown[];
}

/** The text and blocks of a post or update, or the Slack error reply that refuses them. */
export function readContent(args: Args): { content: MessageContent } | { refusal: Reply } {
  const refuse = (error: string, extra: Reply = {}) => ({ refusal: { ok: false, error, ...extra } });
  const blocks = jsonArg(args.blocks);
  const attachments = jsonArg(args.attachments);
  if (!blocks.ok) return refuse('invalid_blocks_format');
  if (!attachments.ok) return refuse('invalid_attachments');
  const text = typeof args.text === 'string' ? args.text : '';
  const blockList =
    Array.isArray(blocks.value) && blocks.value.length > 0 ? (blocks.value as unknown[]) : undefined;
  if (text === '' && !blockList && attachments.value === undefined) return refuse('no_text');
  if (text.length > 40_000) return refuse('msg_too_long');
  if (blocks.value !== undefined && blocks.value !== '') {
    const problems = checkBlocks(blocks.value);
    if (problems.length)
      return refuse('invalid_blocks', { errors: problems, response_metadata: { messages: problems } });
  }
  return { content: { text, ...(blockList ? { blocks: blockList } : {}) } };
}
