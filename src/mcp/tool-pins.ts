import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { definitionChanges, toolDefinitionHash } from './tool-definition.js';

/** An allowlisted tool the host will neither show nor call, and why. */
export interface WithheldTool {
  server: string;
  tool: string;
  reason: string;
  /** The definition hash the server now offers. */
  hash: string;
}

/**
 * Decide which allowlisted tools of a listing may be used. A tool is withheld when its definition
 * does not match its pin from the config, or when it differs from what the server offered when the
 * run started (the model was shown that one; a description rewritten mid-run is how a server would
 * slip it new instructions). Once withheld, a tool stays withheld for the run.
 */
export function checkPins(
  server: string,
  listing: readonly Tool[],
  options: {
    allow: readonly string[];
    pins: Readonly<Record<string, string>>;
    /** Definitions seen at connect; absent on the first listing. */
    baseline?: ReadonlyMap<string, Tool>;
    alreadyWithheld: ReadonlyMap<string, WithheldTool>;
  },
): { accepted: Tool[]; withheld: WithheldTool[] } {
  const accepted: Tool[] = [];
  const withheld: WithheldTool[] = [];
  for (const tool of listing) {
    if (!options.allow.includes(tool.name)) continue;
    const hash = toolDefinitionHash(tool);
    const earlier = options.alreadyWithheld.get(tool.name);
    const pin = options.pins[tool.name];
    const seen = options.baseline?.get(tool.name);
    if (earlier) withheld.push({ ...earlier, hash });
    else if (pin && pin !== hash) {
      withheld.push({
        server,
        tool: tool.name,
        hash,
        reason: `its definition (sha256 ${hash.slice(0, 12)}…) does not match the pin in the config (${pin.slice(0, 12)}…)`,
      });
    } else if (seen && toolDefinitionHash(seen) !== hash) {
      withheld.push({
        server,
        tool: tool.name,
        hash,
        reason: `its ${definitionChanges(seen, tool)} changed after the run started (sha256 now ${hash.slice(0, 12)}…)`,
      });
    } else accepted.push(tool);
  }
  return { accepted, withheld };
}
