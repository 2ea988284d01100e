import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { errorMessage } from '../errors/errors.js';
import type { Logger } from '../util/log.js';
import { connectServer, type Connection } from './connect.js';
import type { HostEventSink } from './host-events.js';
import { normalizeToolError, normalizeToolResult, type ToolOutcome } from './normalize-result.js';
import { DEFAULT_OUTPUT_BUDGET_CHARS, budgetOutput } from './output-budget.js';
import { SecretMemory } from './secret-memory.js';
import type { ServerSpec } from './server-spec.js';
import { isValidModelToolName, qualifyToolName, splitToolName } from './tool-name.js';

/** A tool as offered to an engine: qualified name, description and JSON schema. */
export interface HostTool {
  name: string;
  server: string;
  tool: string;
  description: string;
  inputSchema: Record<string, unknown>;
  readOnly: boolean;
}

export interface HostOptions {
  logger: Logger;
  onEvent?: HostEventSink;
  signal?: AbortSignal;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
  clientVersion?: string;
  /** Bound on each tool result's text, in characters (default about 8k tokens). */
  outputBudgetChars?: number;
  /** Shared with the audit log, so that both mask the same secrets. */
  secrets?: SecretMemory;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  caller?: 'model' | 'engine';
}

interface LiveServer {
  spec: ServerSpec;
  connection: Connection;
}

const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/**
 * The MCP host: connects the configured servers, shows engines only allowlisted tools, and calls
 * them with per-call timeouts. It never throws from a call: refusals and failures are outcomes.
 */
export class McpHost {
  readonly failures: { server: string; error: string }[] = [];
  /** Every secret masked in tool output so far, masked again wherever it reappears. */
  readonly secrets: SecretMemory;
  private readonly servers = new Map<string, LiveServer>();
  private readonly tools = new Map<string, HostTool>();

  private constructor(private readonly options: HostOptions) {
    this.secrets = options.secrets ?? new SecretMemory();
  }

  /** Connect every server in parallel; one that fails is recorded in `failures`, not fatal. */
  static async start(specs: readonly ServerSpec[], options: HostOptions): Promise<McpHost> {
    const host = new McpHost(options);
    await Promise.all(specs.map((spec) => host.connect(spec)));
    return host;
  }

  private async connect(spec: ServerSpec): Promise<void> {
    const started = Date.now();
    try {
      const connection = await connectServer(spec, {
        logger: this.options.logger,
        signal: this.options.signal,
        timeoutMs: this.options.connectTimeoutMs ?? 20_000,
        clientVersion: this.options.clientVersion ?? '0.0.0',
        onToolsChanged: (tools) => {
          const allowed = this.indexTools(spec, tools);
          this.options.onEvent?.({ type: 'tools_changed', server: spec.name, tools: tools.length, allowed });
        },
      });
      this.servers.set(spec.name, { spec, connection });
      const allowed = this.indexTools(spec, connection.tools);
      this.options.onEvent?.({
        type: 'server_connected',
        server: spec.name,
        tools: connection.tools.length,
        allowed,
        durationMs: Date.now() - started,
      });
    } catch (error) {
      const message = errorMessage(error);
      this.failures.push({ server: spec.name, error: message });
      this.options.logger.warn('MCP server failed to start', { server: spec.name, error: message });
      this.options.onEvent?.({ type: 'server_failed', server: spec.name, error: message });
    }
  }

  /** (Re)build the model-visible tools of one server from its listing; returns how many are allowed. */
  private indexTools(spec: ServerSpec, tools: readonly Tool[]): number {
    for (const [name, tool] of this.tools) if (tool.server === spec.name) this.tools.delete(name);
    let allowed = 0;
    for (const tool of tools) {
      const name = qualifyToolName(spec.name, tool.name);
      // Annotations are the server's claim, not ours to trust: the allowlist alone decides.
      if (!spec.allow.includes(tool.name) || !isValidModelToolName(name)) continue;
      allowed += 1;
      this.tools.set(name, {
        name,
        server: spec.name,
        tool: tool.name,
        description: tool.description ?? '',
        inputSchema: tool.inputSchema as Record<string, unknown>,
        readOnly: tool.annotations?.readOnlyHint === true,
      });
    }
    return allowed;
  }

  /** The allowlisted tools, sorted by name so that the prompt prefix is stable. */
  modelTools(): HostTool[] {
    return [...this.tools.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  hasServer(name: string): boolean {
    return this.servers.has(name);
  }

  /** Call an allowlisted tool by its qualified name. Anything not on the allowlist is refused and reported. */
  async callTool(
    name: string,
    args: Record<string, unknown>,
    options: CallOptions = {},
  ): Promise<ToolOutcome> {
    const tool = this.tools.get(name);
    if (!tool) {
      const parts = splitToolName(name);
      const hostOnly = parts && this.servers.get(parts.server)?.spec.hostOnly.includes(parts.tool);
      const reason = hostOnly
        ? `'${name}' is reserved to the host; report findings with submit_diagnosis instead`
        : `'${name}' is not an allowed tool; allowed: ${
            this.modelTools()
              .map((t) => t.name)
              .join(', ') || 'none'
          }`;
      this.options.onEvent?.({ type: 'refusal', guard: 'allowlist', target: name, reason });
      return { ok: false, text: `Refused: ${reason}`, error: reason, durationMs: 0 };
    }
    const scope = this.servers.get(tool.server)?.spec.namespaces;
    const namespace = args.namespace;
    if (scope && namespace !== undefined && (typeof namespace !== 'string' || !scope.includes(namespace))) {
      const reason = `namespace '${String(namespace)}' is outside the allowed namespaces (${scope.join(', ')})`;
      this.options.onEvent?.({ type: 'refusal', guard: 'namespace-scope', target: name, reason });
      return { ok: false, text: `Refused: ${reason}`, error: reason, durationMs: 0 };
    }
    return this.invoke(tool.server, tool.tool, args, options.caller ?? 'model', options);
  }

  /** Call one of the host's own tools (the Slack post). Not reachable through `callTool`. */
  async callHostTool(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    options: CallOptions = {},
  ): Promise<ToolOutcome> {
    const live = this.servers.get(server);
    if (!live || !live.spec.hostOnly.includes(tool)) {
      const reason = `${server}.${tool} is not a host tool of a connected server`;
      return { ok: false, text: reason, error: reason, durationMs: 0 };
    }
    return this.invoke(server, tool, args, 'host', options);
  }

  private async invoke(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    caller: 'model' | 'host' | 'engine',
    options: CallOptions,
  ): Promise<ToolOutcome> {
    const live = this.servers.get(server);
    const started = Date.now();
    let outcome: ToolOutcome;
    if (!live) {
      outcome = {
        ok: false,
        text: `Server '${server}' is not connected`,
        error: 'not connected',
        durationMs: 0,
      };
    } else {
      // A fresh signal per call: the SDK never removes the abort listener it adds.
      const timeoutMs = options.timeoutMs ?? this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
      const signals = [AbortSignal.timeout(timeoutMs), options.signal, this.options.signal].filter(
        (s): s is AbortSignal => s !== undefined,
      );
      try {
        const result = await live.connection.client.callTool({ name: tool, arguments: args }, undefined, {
          signal: AbortSignal.any(signals),
          timeout: timeoutMs,
        });
        outcome = normalizeToolResult(result, Date.now() - started);
      } catch (error) {
        outcome = normalizeToolError(error, Date.now() - started);
      }
    }
    const bytes = Buffer.byteLength(outcome.text);
    // Secrets never travel further than this point: not to the model, the report or the audit log.
    const budgeted = budgetOutput(
      this.secrets.redact(outcome.text),
      this.options.outputBudgetChars ?? DEFAULT_OUTPUT_BUDGET_CHARS,
    );
    outcome = {
      ...outcome,
      text: budgeted.text,
      structured: outcome.structured ? this.secrets.scrubDeep(outcome.structured) : undefined,
      error: outcome.error ? this.secrets.redact(outcome.error) : undefined,
    };
    this.options.onEvent?.({
      type: 'tool_call',
      server,
      tool,
      caller,
      arguments: this.secrets.scrubDeep(args),
      ok: outcome.ok,
      error: outcome.error,
      durationMs: outcome.durationMs,
      bytes,
      bytesAfter: Buffer.byteLength(outcome.text),
      cached: false,
    });
    return outcome;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.servers.values()].map((s) => s.connection.client.close()));
    this.servers.clear();
    this.tools.clear();
  }
}
