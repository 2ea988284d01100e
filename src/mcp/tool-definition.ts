import { createHash } from 'node:crypto';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { canonicalJson } from '../util/canonical-json.js';

/** The parts of a tool that decide what the model is told and may send: what a pin covers. */
export function canonicalToolDefinition(tool: Tool): string {
  return canonicalJson({
    name: tool.name,
    description: tool.description ?? null,
    inputSchema: tool.inputSchema,
    annotations: tool.annotations ?? null,
  });
}

/** sha256 hex of the canonical definition: what `config check` prints and `pins` holds. */
export function toolDefinitionHash(tool: Tool): string {
  return createHash('sha256').update(canonicalToolDefinition(tool)).digest('hex');
}

/** Which parts of a definition differ, in words: "description", "inputSchema and annotations". */
export function definitionChanges(before: Tool, after: Tool): string {
  const parts = (['description', 'inputSchema', 'annotations'] as const).filter(
    (part) => canonicalJson(before[part] ?? null) !== canonicalJson(after[part] ?? null),
  );
  return parts.length ? parts.join(' and ') : 'definition';
}
