import pTimeout, { TimeoutError } from 'p-timeout';
import type { Settings } from '../config/load.js';
import { errorMessage } from '../errors/errors.js';
import type { Incident } from '../incident/incident.js';
import { emptyCasebook, type Engine, type EngineContext, type SubmitResult } from '../llm/engine.js';
import { ModelUnavailableError } from '../llm/model.js';
import type { McpHost } from '../mcp/host.js';
import { Findings, emptyUsage, type ProposedAction, type Report } from '../report/schema.js';
import type { ActionButton } from '../report/render-slack-blocks.js';
import type { Logger } from '../util/log.js';
import { buildReport, casebookFindings } from './build-report.js';
import type { RunEventSink } from './run-events.js';
import { DiagnosisPoster } from './submit-diagnosis.js';
import { inspectSubmission } from '../guards/inspect-submission.js';
import { redactingLogger } from '../guards/redacting-logger.js';
import { repositoryLinks, withHostBuiltLinks } from '../guards/host-built-links.js';
import { createRunInvoker } from './tool-invoker.js';
import { faultReasons, recordFaults, type ToolFault } from './tool-faults.js';

export interface RunContext {
  settings: Settings;
  host: McpHost;
  /** The engine to try first (Claude or offline). */
  engine: Engine;
  /** Finishes when the first engine cannot: the offline engine. */
  fallback?: Engine;
  logger: Logger;
  /** The run's notion of now (a sandbox scenario pins it). */
  now: Date;
  /** Cancels the whole run from outside (SIGINT, Lambda). */
  signal?: AbortSignal;
  emit?: RunEventSink;
  /**
   * Claims the incident's dedupe key right before the one post (at-least-once triggers). False:
   * another delivery already posted, so this run does not, and its report says so.
   */
  claim?: (key: string) => Promise<boolean>;
  /**
   * The host's proposal of the one reversible action (src/actions/propose-rollback.ts), read from
   * the cluster after the findings, never by the model: the report's `proposedAction`, and the
   * button when actions are on and approvers are set.
   */
  proposeAction?: (report: Report) => Promise<ActionProposal | undefined>;
}

/** What a run's report proposes, and the button that lets an approver take it. */
export interface ActionProposal {
  action: ProposedAction;
  button?: ActionButton;
}

export interface RunResult {
  report: Report;
  deadlineHit: boolean;
}

/** The Slack server's own budget (25 s: two tries, a history lookup, a Retry-After) and a margin. */
export const POST_BUDGET_MS = 30_000;
const CLAIM_BUDGET_MS = 5_000;
const PROPOSAL_BUDGET_MS = 5_000;

/**
 * Diagnose one incident: run the engine under the deadline; the first valid submission is posted
 * once and ends the run. When the engine cannot finish — model down, no submission, deadline —
 * the report is built from what was gathered, and still posted.
 */
export async function run(incident: Incident, ctx: RunContext): Promise<RunResult> {
  const startedAt = Date.now();
  const deadlineAt = startedAt + ctx.settings.timeoutMs;
  const { settings, host } = ctx;
  // What the run and its engines print or emit (progress, the audit log) is redacted first: a
  // model's note can repeat a secret it read (redacting-logger.ts).
  const logger = redactingLogger(ctx.logger, host.secrets);
  const sink: RunEventSink = ctx.emit ?? (() => {});
  const emit: RunEventSink = (event) => sink(host.secrets.scrubDeep(event));
  const deadline = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([deadline.signal, ctx.signal]) : deadline.signal;
  const usage = emptyUsage();
  const casebook = emptyCasebook();
  const degradedReasons = host.failures.map((f) => `MCP server '${f.server}' unavailable: ${f.error}`);
  const poster = new DiagnosisPoster(host, settings.slack.channel, settings.slack.enabled);
  let engineLabel = ctx.engine.id;
  // The one post of the run, claimed synchronously: concurrent or late submissions find it taken.
  let submission: Promise<Report> | null = null;
  const postOnce = (findings: Findings, status?: Report['status']): Promise<Report> => {
    submission ??= finish(findings, status);
    return submission;
  };

  // Only a run that would post claims: a run with Slack off must not take the key from one that posts.
  const claimPost = async (): Promise<boolean> => {
    if (!ctx.claim || !settings.slack.enabled || !settings.slack.channel) return true;
    try {
      // A store that hangs must not hold the post past its budget: it fails open, like an error.
      return await pTimeout(ctx.claim(incident.dedupeKey), { milliseconds: CLAIM_BUDGET_MS });
    } catch (error) {
      logger.warn('the dedupe claim failed: posting anyway', { error: errorMessage(error) });
      return true;
    }
  };

  // A proposal is an extra, bounded read: when it fails or hangs the report goes without it.
  const proposeAction = async (report: Report): Promise<ActionProposal | undefined> => {
    if (!ctx.proposeAction || report.status !== 'diagnosed') return undefined;
    try {
      return await pTimeout(ctx.proposeAction(report), { milliseconds: PROPOSAL_BUDGET_MS });
    } catch (error) {
      logger.warn('no action proposed: reading the rollout failed', { error: errorMessage(error) });
      return undefined;
    }
  };

  const finish = async (findings: Findings, status?: Report['status']): Promise<Report> => {
    // Tools withheld or servers lost during the run belong in the one post too, and so does every
    // read that broke: each is a gap, and the report is degraded (tool-faults.ts).
    // A run cut short by its deadline leaves reads unanswered: their servers hung.
    if (status === 'timed_out')
      for (const fault of tools.pending()) if (!faults.some((f) => f.what === fault.what)) faults.push(fault);
    for (const reason of [...host.degradedReasons(), ...faultReasons(faults)])
      if (!degradedReasons.includes(reason)) degradedReasons.push(reason);
    for (const fault of faults)
      if (!casebook.gaps.some((g) => g.what === fault.what && g.why === fault.why))
        casebook.gaps.push({ what: fault.what, why: fault.why });
    // Redacted as a whole: the findings, and what the casebook and the failures said.
    const built = buildReport(host.secrets.scrubDeep(findings), casebook, {
      service: incident.service,
      namespace: settings.namespace,
      engine: engineLabel,
      degradedReasons,
      usage,
      startedAt,
      status,
    });
    const report = host.secrets.scrubDeep(built);
    // Links are the host's: whatever URL the findings carried is replaced (host-built-links.ts).
    report.suspectFiles = withHostBuiltLinks(
      report.suspectFiles,
      repositoryLinks(settings.repository, settings.env.GITHUB_API_URL),
    );
    const proposal = await proposeAction(report);
    if (proposal) report.proposedAction = proposal.action;
    const duplicate = !(await claimPost());
    // The post has its own short budget: the run's deadline may already have passed.
    report.slack = duplicate
      ? {
          posted: false,
          channel: settings.slack.channel,
          ts: null,
          error: `another delivery of this incident already posted its report (dedupe key ${incident.dedupeKey})`,
        }
      : await poster.post(
          report,
          AbortSignal.any([AbortSignal.timeout(POST_BUDGET_MS), ...(ctx.signal ? [ctx.signal] : [])]),
          incident.dedupeKey,
          POST_BUDGET_MS,
          proposal?.button,
        );
    emit({ type: 'report_posted', ...report.slack });
    if (duplicate) logger.info('not posted: another delivery of this incident already posted its report');
    else if (!report.slack.posted && settings.slack.enabled)
      logger.warn('the report was not posted to Slack', { error: report.slack.error });
    report.durationMs = Date.now() - startedAt;
    return report;
  };

  const submit = async (raw: unknown): Promise<SubmitResult> => {
    if (submission) {
      emit({
        type: 'refusal',
        guard: 'one-post',
        target: 'submit_diagnosis',
        reason: 'a diagnosis was already submitted; only one post per run',
      });
      return { ok: false, error: 'A diagnosis was already submitted for this run; a second one is refused.' };
    }
    const parsed = Findings.safeParse(raw);
    if (!parsed.success) {
      return {
        ok: false,
        error: `Invalid submission: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`,
      };
    }
    for (const refusal of inspectSubmission(raw)) emit({ type: 'refusal', ...refusal });
    const report = await postOnce(parsed.data);
    return { ok: true, slack: report.slack };
  };

  // One invoker for the run: the fallback engine reuses what the first one already fetched.
  const faults: ToolFault[] = [];
  const tools = recordFaults(createRunInvoker(host, { signal, usage, emit }), (fault) => {
    if (!faults.some((f) => f.what === fault.what && f.why === fault.why)) faults.push(fault);
  });
  const context = (): EngineContext => ({
    incident,
    settings,
    tools,
    casebook,
    now: ctx.now,
    signal,
    deadlineAt,
    logger,
    usage,
    submit,
    degrade: (reason) => degradedReasons.push(reason),
    emit,
  });

  const attempt = async (): Promise<void> => {
    let findings: Findings | null = null;
    try {
      findings = await ctx.engine.diagnose(context());
    } catch (error) {
      if (!(error instanceof ModelUnavailableError) || !ctx.fallback) throw error;
      // The reason is in words; the provider's raw error goes to the log and the audit trail only.
      degradedReasons.push(`${error.message}; the offline engine finished from the evidence gathered`);
      emit({ type: 'model_error', kind: error.kind, error: error.message, detail: error.detail });
      emit({ type: 'fallback', from: ctx.engine.id, to: ctx.fallback.id, reason: error.message });
      if (error.isConfiguration) logger.error(`configuration: ${error.message}`);
      else logger.warn(error.message, error.detail ? { detail: error.detail } : {});
    }
    if (submission) return;
    if (!findings && ctx.fallback && ctx.fallback !== ctx.engine) {
      if (!degradedReasons.some((r) => r.includes('offline engine finished'))) {
        degradedReasons.push(
          `${ctx.engine.id} ended without a diagnosis; the offline engine finished from the evidence gathered`,
        );
        emit({ type: 'fallback', from: ctx.engine.id, to: ctx.fallback.id, reason: 'no submission' });
      }
      engineLabel = ctx.fallback.id;
      findings = await ctx.fallback.diagnose(context());
    }
    if (submission) return;
    const result = await submit(
      findings ?? casebookFindings(`The diagnosis of ${incident.service} ended without findings.`),
    );
    if (!result.ok) {
      degradedReasons.push(
        `the engine's findings were invalid (${result.error}); reporting what was gathered`,
      );
      await postOnce(casebookFindings(`The diagnosis of ${incident.service} produced invalid findings.`));
    }
  };

  let deadlineHit = false;
  try {
    await pTimeout(attempt(), { milliseconds: settings.timeoutMs, signal: ctx.signal });
  } catch (error) {
    deadline.abort(error);
    if (error instanceof TimeoutError) {
      deadlineHit = true;
      const seconds = Math.round(settings.timeoutMs / 1000);
      degradedReasons.push(`deadline of ${seconds}s hit; the report holds what was gathered`);
      await postOnce(
        casebookFindings(`The diagnosis of ${incident.service} did not finish within ${seconds}s.`),
        'timed_out',
      );
    } else {
      logger.error('diagnosis failed', { error: errorMessage(error) });
      degradedReasons.push(`the ${engineLabel} engine failed: ${errorMessage(error)}`);
      await postOnce(
        casebookFindings(`The diagnosis of ${incident.service} failed: ${errorMessage(error)}`),
        'failed',
      );
    }
  } finally {
    deadline.abort();
  }
  const report = await postOnce(
    casebookFindings(`The diagnosis of ${incident.service} ended without findings.`),
  );
  emit({
    type: 'run_finished',
    status: report.status,
    engine: report.engine,
    degraded: report.degraded,
    durationMs: report.durationMs,
    // The whole report goes to the audit log too: if Slack was unreachable, it is not lost.
    report,
  });
  return { report, deadlineHit };
}
