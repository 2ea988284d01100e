import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

import { toolError } from '../tool-result.js';

export type NamespaceResolution = { ok: true; namespace: string } | { ok: false; result: CallToolResult };

/**
 * Resolves the namespace a request may read (DESIGN.md 5.3). The check happens here, before any API
 * call, so a model cannot widen the server's scope whatever it asks.
 */
export function resolveNamespace(
  allowed: readonly string[],
  requested: string | undefined,
): NamespaceResolution {
  const fallback = allowed[0] ?? 'default';
  if (requested === undefined || requested === '') return { ok: true, namespace: fallback };
  if (allowed.includes(requested)) return { ok: true, namespace: requested };
  return {
    ok: false,
    result: toolError(
      `namespace '${requested}' is outside this server's allowed namespaces (${allowed.join(', ')}); ` +
        `use one of those, or leave namespace out to read '${fallback}'.`,
    ),
  };
}
