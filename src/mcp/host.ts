import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { errorMessage } from '../errors/errors.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { Logger } from '../util/log.js';
import type { AdapterContext } from './adapters/capability.js';
import { parseCapabilityRoute } from './adapters/capability-route.js';
import { guardCall } from '../guards/scope-tool-calls.js';
import { writeToolReason } from '../guards/withhold-write-tools.js';
import { callSignal } from './call-signal.js';
import { adapterFor, callThroughAdapter } from './capability-call.js';
import { connectServer, type BundledTransport } from './connect.js';
import type { HostEventSink } from './host-events.js';
import { describeInventory, type ServerInventory } from './inventory.js';
import { normalizeToolError, normalizeToolResult, type ToolOutcome } from './normalize-result.js';
import { DEFAULT_OUTPUT_BUDGET_CHARS, budgetOutput } from './output-budget.js';
import { SecretMemory } from '../guards/secret-memory.js';
import { ServerHealth } from './server-health.js';
import type { ServerSpec } from './server-spec.js';
import { indexListing, liveServer, type HostTool, type LiveServer } from './live-server.js';
import { qualifyToolName, splitToolName } from './tool-name.js';
import type { WithheldTool } from './tool-pins.js';

export type { HostTool, LiveServer } from './live-server.js';
export type { WithheldTool } from './tool-pins.js';

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
  /** The application repository (`owner/repo`): adapters of servers whose tools take it as arguments. */
  repository?: string | null;
  /** Tests only (see `BundledTransport`): bundled servers run in this process. */
  bundledTransport?: BundledTransport;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  caller?: 'model' | 'engine' | 'host';
}

const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/**
 * The MCP host: connects the configured servers, shows engines only allowlisted tools whose
 * definitions match their pins, answers capability routes through adapters, and calls tools with
 * per-call timeouts. It never throws from a call: refusals and failures are outcomes.
 */
export class McpHost {
  /** Servers that could not start. */
  readonly failures: { server: string; error: string }[] = [];
  /** Every secret masked in tool output so far, masked again wherever it reappears. */
  readonly secrets: SecretMemory;
  private readonly servers = new Map<string, LiveServer>();
  private readonly tools = new Map<string, HostTool>();
  /** What went wrong after the start: a server that stopped. */
  private readonly notices: string[] = [];
  /** Adapters ask the same questions for each service they look at; one answer per run will do. */
  private readonly adapterMemo = new Map<string, Promise<ToolOutcome>>();
  /** Which servers answered the run's reads: one that answered none is named in the report. */
  private readonly health = new ServerHealth();
  private closing = false;

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
          const live = this.servers.get(spec.name);
          if (!live) return;
          const allowed = this.indexTools(live, tools);
          this.options.onEvent?.({ type: 'tools_changed', server: spec.name, tools: tools.length, allowed });
        },
        onClose: () => this.serverStopped(spec.name),
        ...(this.options.bundledTransport ? { bundledTransport: this.options.bundledTransport } : {}),
      });
      const live = liveServer(spec, connection);
      this.servers.set(spec.name, live);
      const allowed = this.indexTools(live, connection.tools);
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
  private indexTools(live: LiveServer, tools: readonly Tool[]): number {
    const { visible, newlyWithheld } = indexListing(live, tools);
    for (const w of newlyWithheld) {
      this.options.logger.warn('tool withheld', { server: w.server, tool: w.tool, reason: w.reason });
      this.options.onEvent?.({ type: 'tool_withheld', server: w.server, tool: w.tool, reason: w.reason });
    }
    for (const [name, tool] of this.tools) if (tool.server === live.spec.name) this.tools.delete(name);
    for (const tool of visible) this.tools.set(tool.name, tool);
    return visible.length;
  }

  /** A connection that ended while the run still needed it: its tools go, and the report says so. */
  private serverStopped(name: string): void {
    const live = this.servers.get(name);
    if (this.closing || !live || live.down) return;
    const last = live.connection.stderrTail().split('\n').filter(Boolean).at(-1);
    live.down = `stopped during the run${last ? ` (${last.slice(0, 200)})` : ''}`;
    for (const [toolName, tool] of this.tools) if (tool.server === name) this.tools.delete(toolName);
    this.notices.push(`MCP server '${name}' ${live.down}; its tools were unavailable from then on`);
    this.options.logger.warn('MCP server stopped during the run', { server: name, last });
    this.options.onEvent?.({ type: 'server_failed', server: name, error: live.down });
  }

  /** The allowlisted tools, sorted by name so that the prompt prefix is stable. */
  modelTools(): HostTool[] {
    return [...this.tools.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  hasServer(name: string): boolean {
    const live = this.servers.get(name);
    return Boolean(live && !live.down);
  }

  /** Tools withheld because their definitions do not match their pins or changed mid-run. */
  withheldTools(): WithheldTool[] {
    return [...this.servers.values()].flatMap((s) => [...s.withheld.values()]);
  }

  /**
   * What degraded the run after the servers started, one line each: withheld tools and servers
   * that stopped. (Servers that never started are in `failures`.)
   */
  degradedReasons(): string[] {
    return [
      ...this.withheldTools().map((w) => `tool ${w.server}.${w.tool} withheld: ${w.reason}`),
      ...this.notices,
      ...this.health.reasons((server) => this.servers.get(server)?.spec.bundled === false),
    ];
  }

  /** Per server: what it offers, what is allowed, hidden or withheld, and each definition's hash. */
  inventory(specs: readonly ServerSpec[]): ServerInventory[] {
    return describeInventory(specs, this.servers, this.failures);
  }

  /** Call an allowlisted tool (or a capability route) by its qualified name; anything else is refused. */
  async callTool(
    name: string,
    args: Record<string, unknown>,
    options: CallOptions = {},
  ): Promise<ToolOutcome> {
    const route = parseCapabilityRoute(name);
    if (route) return this.callCapability(route.qualifiedTool, route.capability, args, options);
    await this.settled(name);
    const refusal = this.refusalFor(name, args);
    if (refusal) return refusal;
    const tool = this.tools.get(name) as HostTool;
    return this.invoke(tool.server, tool.tool, args, options.caller ?? 'model', options);
  }

  /** Wait for a tool-list refresh the tool's server announced: the call must meet the new definitions. */
  private async settled(name: string): Promise<void> {
    const server = splitToolName(name)?.server;
    const live = server ? this.servers.get(server) : undefined;
    await live?.connection.settled();
  }

  /** The refusal outcome for a call the host will not make, or null when it may go ahead. */
  private refusalFor(name: string, args: Record<string, unknown>): ToolOutcome | null {
    const refuse = (guard: string, reason: string): ToolOutcome => {
      this.options.onEvent?.({ type: 'refusal', guard, target: name, reason });
      return { ok: false, text: `Refused: ${reason}`, error: reason, durationMs: 0 };
    };
    const tool = this.tools.get(name);
    const parts = splitToolName(name);
    const live = parts ? this.servers.get(parts.server) : undefined;
    if (!tool) {
      const withheld = parts && live?.withheld.get(parts.tool);
      if (withheld) return refuse('pin', `'${name}' is withheld: ${withheld.reason}`);
      if (parts && live?.down) return refuse('server-down', `server '${parts.server}' ${live.down}`);
      // Allowlisted but withheld because it writes: say so, the allowlist did let it through.
      const offered =
        parts && live?.spec.allow.includes(parts.tool)
          ? live.offered.find((t) => t.name === parts.tool)
          : undefined;
      const writes = offered ? writeToolReason(offered) : null;
      if (writes) return refuse('read-only', `'${name}' is withheld: ${writes}`);
      if (parts && live?.spec.hostOnly.includes(parts.tool))
        return refuse(
          'allowlist',
          `'${name}' is reserved to the host; report findings with submit_diagnosis instead`,
        );
      const allowed = this.modelTools().map((t) => t.name);
      return refuse(
        'allowlist',
        `'${name}' is not an allowed tool; allowed: ${allowed.join(', ') || 'none'}`,
      );
    }
    const guarded = live ? guardCall(live.spec, live.preset, tool.tool, tool.inputSchema, args) : null;
    return guarded ? refuse(guarded.guard, guarded.reason) : null;
  }

  /** A capability served by a community tool: the server's adapter calls its tools and reshapes the answers. */
  private async callCapability(
    qualifiedTool: string,
    capability: string,
    args: Record<string, unknown>,
    options: CallOptions,
  ): Promise<ToolOutcome> {
    await this.settled(qualifiedTool);
    const parts = splitToolName(qualifiedTool);
    const live = parts ? this.servers.get(parts.server) : undefined;
    // The route's own tool must be usable (allowed, offered, not withheld) for the capability to be.
    if (!parts || !live || !this.tools.has(qualifiedTool) || !adapterFor(live, capability, parts.tool)) {
      return (
        this.refusalFor(qualifiedTool, {}) ?? {
          ok: false,
          text: `No adapter serves ${capability} through ${qualifiedTool}`,
          error: `no adapter for ${capability}`,
          durationMs: 0,
        }
      );
    }
    const server = parts.server;
    const context: AdapterContext = {
      call: (tool, toolArgs) => this.callForAdapter(server, tool, toolArgs, options),
      allows: (tool) => this.tools.has(qualifyToolName(server, tool)),
      namespaces: live.spec.namespaces ?? ['default'],
      repository: this.options.repository ?? null,
      now: new Date(),
    };
    const budget = this.options.outputBudgetChars ?? DEFAULT_OUTPUT_BUDGET_CHARS;
    return callThroughAdapter(live, capability, parts.tool, args, context, budget);
  }

  /** An adapter's call: the same guards as any call, answers remembered, text not yet cut to budget. */
  private async callForAdapter(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    options: CallOptions,
  ): Promise<ToolOutcome> {
    const name = qualifyToolName(server, tool);
    await this.settled(name);
    const refusal = this.refusalFor(name, args);
    if (refusal) return refusal;
    const key = `${name} ${canonicalJson(args)}`;
    const earlier = this.adapterMemo.get(key);
    if (earlier) return earlier;
    const pending = this.invoke(
      server,
      tool,
      args,
      options.caller === 'host' ? 'host' : 'engine',
      options,
      false,
    );
    this.adapterMemo.set(key, pending);
    void pending.then((o) => {
      if (!o.ok) this.adapterMemo.delete(key);
    });
    return pending;
  }

  /** Call one of the host's own tools (the Slack post). Not reachable through `callTool`. */
  async callHostTool(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    options: CallOptions = {},
  ): Promise<ToolOutcome> {
    const live = this.servers.get(server);
    if (!live || live.down || !live.spec.hostOnly.includes(tool)) {
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
    budget = true,
  ): Promise<ToolOutcome> {
    const live = this.servers.get(server);
    const started = Date.now();
    let outcome: ToolOutcome;
    if (!live || live.down) {
      const reason = live?.down ? `server '${server}' ${live.down}` : 'not connected';
      outcome = {
        ok: false,
        text: `Server '${server}' is not connected: ${reason}`,
        error: reason,
        durationMs: 0,
      };
    } else {
      const timeoutMs = options.timeoutMs ?? this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
      const call = callSignal([options.signal, this.options.signal], timeoutMs);
      try {
        const result = await live.connection.client.callTool({ name: tool, arguments: args }, undefined, {
          signal: call.signal,
          timeout: timeoutMs,
        });
        outcome = normalizeToolResult(result, Date.now() - started);
      } catch (error) {
        outcome = normalizeToolError(error, Date.now() - started);
      } finally {
        call.release();
      }
    }
    const bytes = Buffer.byteLength(outcome.text);
    // Secrets never travel further than this point: not to the model, the report or the audit log.
    const redacted = this.secrets.redact(outcome.text);
    outcome = {
      ...outcome,
      text: budget
        ? budgetOutput(redacted, this.options.outputBudgetChars ?? DEFAULT_OUTPUT_BUDGET_CHARS).text
        : redacted,
      structured: outcome.structured ? this.secrets.scrubDeep(outcome.structured) : undefined,
      error: outcome.error ? this.secrets.redact(outcome.error) : undefined,
    };
    // Reads only: the report post is the host's own and says for itself whether it failed.
    if (!live?.spec.hostOnly.includes(tool)) this.health.record(server, outcome.ok, outcome.error);
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
    this.closing = true;
    await Promise.allSettled([...this.servers.values()].map((s) => s.connection.client.close()));
    this.servers.clear();
    this.tools.clear();
  }
}
