import type { RunEventSink } from '../agent/run-events.js';
import type { Settings } from '../config/load.js';
import type { Incident } from '../incident/incident.js';
import type { ToolOutcome } from '../mcp/normalize-result.js';
import type {
  Evidence,
  Findings,
  Gap,
  SlackOutcome,
  SuspectCommit,
  SuspectFile,
  Usage,
} from '../report/schema.js';
import type { Logger } from '../util/log.js';

/** A tool as an engine sees it: qualified name, description, JSON schema of its input. */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** The engines' narrow view of the MCP host. */
export interface ToolInvoker {
  /** Qualified names of the tools this run may call. */
  toolNames(): string[];
  definitions(): ToolDefinition[];
  /** `caller: 'host'` marks reads the host makes on its own (the first look) in the audit log. */
  call(
    name: string,
    args: Record<string, unknown>,
    options?: { caller?: 'engine' | 'host' },
  ): Promise<ToolOutcome>;
}

/**
 * What an engine has learned so far. The run reads it when the engine cannot finish (deadline,
 * model outage), so a partial report always has whatever was gathered.
 */
export interface Casebook {
  evidence: Evidence[];
  suspectFiles: SuspectFile[];
  suspectCommits: SuspectCommit[];
  /** What could not be read (a failed call, a missing tool, a namespace out of scope); the report lists them. */
  gaps: Gap[];
}

export function emptyCasebook(): Casebook {
  return { evidence: [], suspectFiles: [], suspectCommits: [], gaps: [] };
}

export type SubmitResult = { ok: true; slack: SlackOutcome } | { ok: false; error: string };

export interface EngineContext {
  incident: Incident;
  settings: Settings;
  tools: ToolInvoker;
  casebook: Casebook;
  /** The run's clock: the sandbox scenario's `now`, or the wall clock. */
  now: Date;
  signal: AbortSignal;
  /** Epoch ms (wall clock) of the run's deadline; a model phase stops early enough to leave a reserve. */
  deadlineAt: number;
  logger: Logger;
  /** Token counts and cost so far; engines that call a model add to it. */
  usage: Usage;
  /**
   * Validate, redact, render and post the findings (DESIGN.md 4.4.1). The first valid submission
   * is posted; every later one is refused.
   */
  submit(findings: unknown): Promise<SubmitResult>;
  /** Say why the run is degraded (shown in the report). */
  degrade(reason: string): void;
  emit: RunEventSink;
}

/**
 * A diagnosis engine. It either submits through `ctx.submit` itself (the Claude loop) or returns
 * findings for the run to submit (the offline engine); `null` means it gave up without findings.
 */
export interface Engine {
  readonly id: string;
  diagnose(context: EngineContext): Promise<Findings | null>;
}
