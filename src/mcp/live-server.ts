import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { detectPreset, type CapabilityPreset } from './adapters/presets.js';
import type { Connection } from './connect.js';
import type { ServerSpec } from './server-spec.js';
import { isValidModelToolName, qualifyToolName } from './tool-name.js';
import { checkPins, type WithheldTool } from './tool-pins.js';
import { writeToolReason } from '../guards/withhold-write-tools.js';

/** A tool as offered to an engine: qualified name, description and JSON schema. */
export interface HostTool {
  name: string;
  server: string;
  tool: string;
  description: string;
  inputSchema: Record<string, unknown>;
  readOnly: boolean;
}

/** One connected server and what the host knows of it. */
export interface LiveServer {
  spec: ServerSpec;
  connection: Connection;
  /** Its capability map, from the tools it offers. */
  preset: CapabilityPreset | undefined;
  /** Everything it offers, allowed or not, as last listed. */
  offered: Tool[];
  /** False until the first listing has been indexed. */
  listed: boolean;
  /** The allowed definitions offered when the run started: what the model was shown. */
  baseline: Map<string, Tool>;
  withheld: Map<string, WithheldTool>;
  /** Why the server is gone, once it stopped during the run. */
  down: string | null;
}

/** A server just connected, before its first listing is indexed. */
export function liveServer(spec: ServerSpec, connection: Connection): LiveServer {
  return {
    spec,
    connection,
    preset: detectPreset(connection.tools),
    offered: [],
    listed: false,
    baseline: new Map(),
    withheld: new Map(),
    down: null,
  };
}

/**
 * Take in a (new) listing of the server: remember it, withhold allowed tools whose definitions
 * do not match their pins or changed since the first listing, and return the tools the model may
 * see, with those newly withheld.
 */
export function indexListing(
  live: LiveServer,
  tools: readonly Tool[],
): { visible: HostTool[]; newlyWithheld: WithheldTool[] } {
  const { spec } = live;
  const first = !live.listed;
  live.listed = true;
  live.offered = [...tools];
  const { accepted, withheld } = checkPins(spec.name, tools, {
    allow: spec.allow,
    pins: spec.pins ?? {},
    baseline: first ? undefined : live.baseline,
    alreadyWithheld: live.withheld,
  });
  const newlyWithheld = withheld.filter((w) => !live.withheld.has(w.tool));
  for (const w of newlyWithheld) live.withheld.set(w.tool, w);
  if (first) for (const tool of accepted) live.baseline.set(tool.name, tool);
  // A tool that writes is never offered, whatever the allowlist says; said once per listing, and
  // not a degradation of the run (nothing it needs was lost).
  const reads = accepted.filter((tool) => {
    const writes = writeToolReason(tool);
    if (writes) newlyWithheld.push({ server: spec.name, tool: tool.name, reason: writes, hash: '' });
    return writes === null;
  });
  const visible = reads
    // Annotations are the server's claim, not ours to trust: the allowlist alone decides.
    .filter(
      (tool) =>
        isValidModelToolName(qualifyToolName(spec.name, tool.name)) && !live.preset?.refused?.[tool.name],
    )
    .map((tool) => ({
      name: qualifyToolName(spec.name, tool.name),
      server: spec.name,
      tool: tool.name,
      description: tool.description ?? '',
      inputSchema: tool.inputSchema as Record<string, unknown>,
      readOnly: tool.annotations?.readOnlyHint === true,
    }));
  return { visible, newlyWithheld };
}
