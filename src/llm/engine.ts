import type { Settings } from '../config/load.js';
import type { Incident } from '../incident/incident.js';
import type { ToolOutcome } from '../mcp/normalize-result.js';
import type { Evidence, Findings, SuspectCommit, SuspectFile } from '../report/schema.js';
import type { Logger } from '../util/log.js';

/** The engines' narrow view of the MCP host. */
export interface ToolInvoker {
  /** Qualified names of the tools this run may call. */
  toolNames(): string[];
  call(name: string, args: Record<string, unknown>): Promise<ToolOutcome>;
}

/**
 * What an engine has learned so far. The run reads it when the engine cannot finish (deadline,
 * model outage), so a partial report always has whatever was gathered.
 */
export interface Casebook {
  evidence: Evidence[];
  suspectFiles: SuspectFile[];
  suspectCommits: SuspectCommit[];
  notes: string[];
}

export function emptyCasebook(): Casebook {
  return { evidence: [], suspectFiles: [], suspectCommits: [], notes: [] };
}

export interface EngineContext {
  incident: Incident;
  settings: Settings;
  tools: ToolInvoker;
  casebook: Casebook;
  /** The run's clock: the sandbox scenario's `now`, or the wall clock. */
  now: Date;
  signal: AbortSignal;
  logger: Logger;
}

/** A diagnosis engine: gathers evidence through tools and returns findings. */
export interface Engine {
  readonly id: string;
  diagnose(context: EngineContext): Promise<Findings>;
}
