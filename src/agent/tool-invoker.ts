import type { ToolInvoker } from '../llm/engine.js';
import type { McpHost } from '../mcp/host.js';
import type { ToolOutcome } from '../mcp/normalize-result.js';
import type { Usage } from '../report/schema.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { RunEventSink } from './run-events.js';

/**
 * The run's tool access: every call counted, carrying the run's signal, and identical calls
 * (same tool, same canonical arguments) answered from this run's memory — every bundled tool is
 * a read, so asking twice can only cost time and tokens.
 */
export function createRunInvoker(
  host: McpHost,
  options: { signal: AbortSignal; usage: Usage; emit: RunEventSink },
): ToolInvoker {
  const memo = new Map<string, Promise<ToolOutcome>>();
  return {
    toolNames: () => host.modelTools().map((t) => t.name),
    definitions: () =>
      host
        .modelTools()
        .map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
    call: async (name, args, callOptions) => {
      const caller = callOptions?.caller ?? 'engine';
      options.usage.toolCalls += 1;
      const key = `${name} ${canonicalJson(args)}`;
      const earlier = memo.get(key);
      if (earlier) {
        const outcome = await earlier;
        const [server = name, tool = name] = name.split('__');
        options.emit({
          type: 'tool_call',
          server,
          tool,
          caller,
          arguments: args,
          ok: outcome.ok,
          durationMs: 0,
          bytes: 0,
          bytesAfter: Buffer.byteLength(outcome.text),
          cached: true,
        });
        return { ...outcome, durationMs: 0 };
      }
      const pending = host.callTool(name, args, { signal: options.signal, caller });
      memo.set(key, pending);
      const outcome = await pending;
      // Only successes are remembered: a timeout or a refusal deserves a fresh try.
      if (!outcome.ok) memo.delete(key);
      return outcome;
    },
  };
}
