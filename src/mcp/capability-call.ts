import { errorMessage } from '../errors/errors.js';
import type { AdapterContext, Capability } from './adapters/capability.js';
import type { CapabilityPreset } from './adapters/presets.js';
import type { LiveServer } from './live-server.js';
import type { ToolOutcome } from './normalize-result.js';
import { budgetOutput } from './output-budget.js';

/** The adapter that serves a capability through a given tool of a server, if its preset has one. */
export function adapterFor(live: LiveServer | undefined, capability: string, tool: string) {
  const preset: CapabilityPreset | undefined = live?.preset;
  const key = capability as Capability;
  return preset?.tools[key] === tool ? preset.adapters?.[key] : undefined;
}

/**
 * Answer a capability through a community server's adapter: its calls go through `context`
 * (the host's guards), its answer is cut to the output budget like any tool result. An adapter
 * that throws is an outcome, never a crash.
 */
export async function callThroughAdapter(
  live: LiveServer,
  capability: string,
  tool: string,
  args: Record<string, unknown>,
  context: AdapterContext,
  budgetChars: number,
): Promise<ToolOutcome> {
  const started = Date.now();
  const adapter = adapterFor(live, capability, tool);
  let result: Omit<ToolOutcome, 'durationMs'>;
  if (!adapter) {
    result = {
      ok: false,
      text: `No adapter serves ${capability} through ${tool}`,
      error: `no adapter for ${capability}`,
    };
  } else {
    try {
      result = await adapter(args, context);
    } catch (error) {
      const reason = `the ${live.preset?.id ?? ''} adapter for ${capability} failed: ${errorMessage(error)}`;
      result = { ok: false, text: reason, error: reason };
    }
  }
  return { ...result, text: budgetOutput(result.text, budgetChars).text, durationMs: Date.now() - started };
}
