import type { Capability } from './capability.js';

/**
 * A capability served by an adapter is called by a route name, `<server>__<tool>@<capability>`.
 * The `@` keeps it out of the model's namespace (Anthropic tool names cannot hold it), so only an
 * engine that asked for the capability can reach it; the host resolves it to the real tool.
 */
export function capabilityRoute(capability: Capability, qualifiedTool: string): string {
  return `${qualifiedTool}@${capability}`;
}

/** The qualified tool and capability of a route name, or null for an ordinary tool name. */
export function parseCapabilityRoute(name: string): { qualifiedTool: string; capability: string } | null {
  const at = name.lastIndexOf('@');
  if (at <= 0 || at === name.length - 1) return null;
  return { qualifiedTool: name.slice(0, at), capability: name.slice(at + 1) };
}
