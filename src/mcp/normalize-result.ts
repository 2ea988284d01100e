import { errorMessage } from '../errors/errors.js';

/** What every tool call becomes, whatever the server did: failures are data, never throws. */
export interface ToolOutcome {
  ok: boolean;
  /** Text for the model (already redacted and budgeted by the host). */
  text: string;
  /** The server's structuredContent, or the text parsed as a JSON object when it is one. */
  structured?: Record<string, unknown>;
  /** A one-line reason when ok is false. */
  error?: string;
  durationMs: number;
}

interface CallToolLike {
  content?: unknown;
  structuredContent?: unknown;
  isError?: unknown;
  toolResult?: unknown;
}

function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((block: unknown) => {
      if (block && typeof block === 'object' && 'type' in block) {
        const b = block as { type: string; text?: unknown; resource?: { text?: unknown; uri?: unknown } };
        if (b.type === 'text' && typeof b.text === 'string') return b.text;
        if (b.type === 'resource' && typeof b.resource?.text === 'string') return b.resource.text;
        return `[${b.type} content omitted]`;
      }
      return '';
    })
    .filter(Boolean)
    .join('\n');
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    return asObject(JSON.parse(trimmed));
  } catch {
    return undefined;
  }
}

/**
 * Servers report failure three ways: `isError: true`, a JSON-RPC error (thrown by the client), or
 * `isError: false` with `"ok": false` in a JSON text. All of them come out as `ok: false` here.
 */
export function normalizeToolResult(result: CallToolLike, durationMs: number): ToolOutcome {
  const text =
    result.toolResult !== undefined && result.content === undefined
      ? JSON.stringify(result.toolResult)
      : textOf(result.content);
  const structured = asObject(result.structuredContent) ?? parseJsonObject(text);
  const reportedNotOk = structured?.ok === false;
  if (result.isError === true || reportedNotOk) {
    const detail =
      typeof structured?.error === 'string'
        ? structured.error
        : text.split('\n')[0] || 'the tool reported an error';
    return { ok: false, text: text || detail, structured, error: detail, durationMs };
  }
  return { ok: true, text, structured, durationMs };
}

/** A thrown call (JSON-RPC error, timeout -32001, transport closed) as an outcome. */
export function normalizeToolError(error: unknown, durationMs: number): ToolOutcome {
  const code =
    error && typeof error === 'object' && 'code' in error ? (error as { code: unknown }).code : undefined;
  const message = errorMessage(error);
  const reason = code === -32001 ? `timed out or was cancelled: ${message}` : message;
  return { ok: false, text: `Tool call failed: ${reason}`, error: reason, durationMs };
}
