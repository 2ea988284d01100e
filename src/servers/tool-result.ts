import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';

/** Annotations of every bundled read tool: no side effects, safe to repeat, closed world. */
export const readOnlyToolAnnotations: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/**
 * A successful tool result: `text` is what a model reads, `structured` carries the same data as an
 * object for hosts that use `structuredContent`.
 */
export function toolResult(text: string, structured: object): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: { ...structured } };
}

/**
 * A failed tool result. Tool failures are data the model sees and can act on, so the text says what
 * went wrong and what to try instead; handlers return this rather than throwing.
 */
export function toolError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: { error: text }, isError: true };
}
