import pTimeout, { TimeoutError } from 'p-timeout';
import type { Settings } from '../config/load.js';
import { errorMessage } from '../errors/errors.js';
import type { Incident } from '../incident/incident.js';
import { emptyCasebook, type Casebook, type Engine, type ToolInvoker } from '../llm/engine.js';
import type { McpHost } from '../mcp/host.js';
import { redactDeep } from '../mcp/redact.js';
import { Findings, emptyUsage, type Report } from '../report/schema.js';
import type { Logger } from '../util/log.js';
import { DiagnosisPoster } from './submit-diagnosis.js';

export interface RunContext {
  settings: Settings;
  host: McpHost;
  engine: Engine;
  logger: Logger;
  /** The run's notion of now (a sandbox scenario pins it). */
  now: Date;
  /** Cancels the whole run from outside (SIGINT, Lambda). */
  signal?: AbortSignal;
}

export interface RunResult {
  report: Report;
  deadlineHit: boolean;
}

function countingInvoker(host: McpHost, signal: AbortSignal, usage: { toolCalls: number }): ToolInvoker {
  return {
    toolNames: () => host.modelTools().map((t) => t.name),
    call: async (name, args) => {
      usage.toolCalls += 1;
      return host.callTool(name, args, { signal, caller: 'engine' });
    },
  };
}

function fromCasebook(casebook: Casebook, status: Findings['status'], summary: string): Findings {
  return {
    status,
    summary,
    rootCause: { statement: summary, confidence: 'low' },
    evidence: [],
    suspectFiles: [],
    suspectCommits: [],
    suggestedFix: '',
  };
}

/**
 * Diagnose one incident: run the engine under the deadline, build the report from its findings (or
 * from what was gathered when it could not finish), post it once, and return it.
 */
export async function run(incident: Incident, ctx: RunContext): Promise<RunResult> {
  const started = Date.now();
  const { settings, host, logger } = ctx;
  const deadline = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([deadline.signal, ctx.signal]) : deadline.signal;
  const usage = emptyUsage();
  const casebook = emptyCasebook();
  const degradedReasons = host.failures.map((f) => `MCP server '${f.server}' unavailable: ${f.error}`);
  let status: Report['status'] | null = null;
  let deadlineHit = false;

  let findings: Findings;
  try {
    findings = await pTimeout(
      ctx.engine.diagnose({
        incident,
        settings,
        tools: countingInvoker(host, signal, usage),
        casebook,
        now: ctx.now,
        signal,
        logger,
      }),
      { milliseconds: settings.timeoutMs, signal: ctx.signal },
    );
  } catch (error) {
    if (error instanceof TimeoutError) {
      deadlineHit = true;
      deadline.abort(error);
      status = 'timed_out';
      degradedReasons.push(
        `deadline of ${Math.round(settings.timeoutMs / 1000)}s hit; the report holds what was gathered`,
      );
      findings = fromCasebook(
        casebook,
        'inconclusive',
        `The diagnosis of ${incident.service} did not finish within ${Math.round(settings.timeoutMs / 1000)}s.`,
      );
    } else {
      logger.error('engine failed', { error: errorMessage(error) });
      status = 'failed';
      degradedReasons.push(`the ${ctx.engine.id} engine failed: ${errorMessage(error)}`);
      findings = fromCasebook(
        casebook,
        'inconclusive',
        `The diagnosis of ${incident.service} failed: ${errorMessage(error)}`,
      );
    }
  }

  // Validate what the engine produced exactly as a model's submission is validated.
  const parsed = Findings.safeParse(findings);
  if (!parsed.success) {
    degradedReasons.push('the engine produced malformed findings; reporting what was gathered');
    findings = fromCasebook(
      casebook,
      'inconclusive',
      `The diagnosis of ${incident.service} produced malformed findings.`,
    );
  } else {
    findings = parsed.data;
  }
  const safe = redactDeep(findings);
  const gathered = redactDeep(casebook);

  const report: Report = {
    service: incident.service,
    namespace: settings.namespace,
    status: status ?? safe.status,
    summary: safe.summary,
    rootCause: safe.rootCause,
    evidence: safe.evidence.length ? safe.evidence : gathered.evidence,
    suspectFiles: safe.suspectFiles.length ? safe.suspectFiles : gathered.suspectFiles,
    suspectCommits: safe.suspectCommits.length ? safe.suspectCommits : gathered.suspectCommits,
    suggestedFix: safe.suggestedFix,
    engine: ctx.engine.id,
    degraded: degradedReasons.length > 0,
    degradedReasons,
    slack: { posted: false, channel: null, ts: null },
    usage,
    durationMs: 0,
  };
  report.durationMs = Date.now() - started;

  const poster = new DiagnosisPoster(host, settings.slack.channel, settings.slack.enabled);
  // The post gets its own short budget: the run's deadline may already have passed.
  report.slack = await poster.post(report, AbortSignal.timeout(15_000));
  if (!report.slack.posted && settings.slack.enabled) {
    logger.warn('the report was not posted to Slack', { error: report.slack.error });
  }
  report.durationMs = Date.now() - started;
  return { report, deadlineHit };
}
