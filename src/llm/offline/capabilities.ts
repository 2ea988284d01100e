import type { Capability } from '../../mcp/adapters/capability.js';
import { capabilityRoute } from '../../mcp/adapters/capability-route.js';
import { PRESETS } from '../../mcp/adapters/presets.js';
import { splitToolName } from '../../mcp/tool-name.js';

export type { Capability } from '../../mcp/adapters/capability.js';

/**
 * The tool that provides a capability in this run, or undefined when no connected server offers
 * it. Each server's capability map comes from the preset its tools match (ours, or a community
 * server's such as kubernetes-mcp-server): a tool of ours is called by its own name; a community
 * tool by a route name that the host answers through that server's adapter, so the rules read the
 * same shapes whichever server stands behind the capability.
 */
export function toolFor(capability: Capability, available: readonly string[]): string | undefined {
  for (const preset of PRESETS) {
    const tool = preset.tools[capability];
    if (!tool) continue;
    // The bundled server's own name first: with several Kubernetes servers, ours is the one we know.
    const candidates = available.filter((name) => splitToolName(name)?.tool === tool);
    const name = candidates.find((n) => splitToolName(n)?.server === preset.kind) ?? candidates[0];
    if (!name) continue;
    return preset.adapters ? capabilityRoute(capability, name) : name;
  }
  return undefined;
}
