import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProcessEnv } from './config/env.js';
import { parseDuration } from './config/duration.js';
import type { Env } from './config/load.js';
import type { DedupeStore } from './dedupe/dedupe-store.js';
import { createMemoryDedupeStore } from './dedupe/memory-store.js';
import { dedupeStoreFromEnv } from './dedupe/store-from-env.js';
import { errorMessage } from './errors/errors.js';
import { redactDeep } from './guards/redact-secrets.js';
import { handleTriggerEvent, loggerWith, type TriggerOutcome } from './triggers/run-event-core.js';
import { createLogger, type Logger } from './util/log.js';

/** The part of the Lambda context the handler reads. */
export interface LambdaContext {
  awsRequestId?: string;
  functionName?: string;
  getRemainingTimeInMillis?: () => number;
}

/** What an invocation returns: a summary for the Lambda console and destinations. */
export interface LambdaResult {
  status: TriggerOutcome['status'];
  service?: string;
  dedupeKey?: string;
  reason?: string;
  reportStatus?: string;
  posted?: boolean;
  slackTs?: string | null;
  /** An alarm's OK transition: whether the report's thread got the recovery reply. */
  recovery?: { replied: boolean; channel?: string; thread?: string; reason?: string };
}

export interface HandlerOptions {
  /** Default: the process environment, read at each invocation. */
  env?: () => Env;
  logger?: Logger;
  /** Default: from `SRE_AGENT_DEDUPE`; `memory` is one store for the life of the process. */
  dedupe?: DedupeStore;
  now?: () => Date;
  /** Where a report that could not be posted is written, as one JSON line (default: stdout). */
  stdout?: (line: string) => void;
}

/** Thrown when a report could not be posted: Lambda retries the event, then sends it to the DLQ. */
export class ReportNotPostedError extends Error {
  override readonly name = 'ReportNotPostedError';
}

// Room left after the run's deadline: the post has its own 30 s budget, the claim 5 s, then shutdown.
const DEFAULT_MARGIN_MS = 40_000;
const MIN_RUN_MS = 5_000;

/**
 * `KUBECONFIG_DATA` (the kubeconfig itself, YAML or base64) is written to a private file once per
 * content, so that a function can carry a service-account kubeconfig in its (encrypted) settings.
 */
async function withKubeconfigData(env: Env): Promise<Env> {
  const data = env.KUBECONFIG_DATA?.trim();
  if (!data || env.KUBECONFIG) return env;
  const yaml = /^[A-Za-z0-9+/=\s]+$/.test(data) ? Buffer.from(data, 'base64').toString('utf8') : data;
  const file = join(
    tmpdir(),
    `sre-agent-kubeconfig-${createHash('sha256').update(yaml).digest('hex').slice(0, 16)}.yaml`,
  );
  if (!existsSync(file)) await writeFile(file, yaml, { mode: 0o600 });
  return { ...env, KUBECONFIG: file };
}

function summary(outcome: TriggerOutcome): LambdaResult {
  if (outcome.status === 'ignored') {
    const r = outcome.recovery;
    return {
      status: 'ignored',
      reason: outcome.reason,
      ...(r
        ? {
            recovery: r.replied
              ? { replied: true, channel: r.channel, thread: r.thread }
              : { replied: false, reason: r.reason },
          }
        : {}),
    };
  }
  const base = { service: outcome.incident?.service, dedupeKey: outcome.incident?.dedupeKey };
  if (outcome.status === 'duplicate') return { status: 'duplicate', ...base };
  if (outcome.status === 'failed')
    return { status: 'failed', ...base, reason: outcome.error, posted: outcome.posted };
  return {
    status: 'reported',
    ...base,
    reportStatus: outcome.report.status,
    posted: outcome.report.slack.posted,
    slackTs: outcome.report.slack.ts,
    ...(outcome.duplicate ? { reason: 'another delivery already posted this incident' } : {}),
  };
}

/** Why a reported outcome's post failed in a way a retry of the event could fix, or null. */
function lostPost(outcome: TriggerOutcome): string | null {
  if (outcome.status !== 'reported' || outcome.duplicate || outcome.report.slack.posted) return null;
  const error = outcome.report.slack.error ?? 'Slack did not confirm the post';
  // `--no-slack` is a choice, not a failure.
  return /Slack disabled/.test(error) ? null : error;
}

/**
 * Build a Lambda handler. Every invocation: JSON log lines; the event normalised (SNS, alarm action,
 * EventBridge, Logs subscription, or `{service}`); only ALARM acted on; a deadline from the
 * remaining time less a margin; the dedupe claim before the post. When the post finally fails,
 * the whole report goes to stdout as one JSON line, the claim is given back and the handler
 * throws, so that Lambda retries the event or sends it to the dead-letter queue — a report is
 * never lost silently. Before a post, an unexpected failure is rethrown for the same reason.
 * The in-memory dedupe store (`SRE_AGENT_DEDUPE=memory`) is made once, here, and outlives every
 * invocation of a warm function.
 */
export function createHandler(options: HandlerOptions = {}) {
  let memoryStore: DedupeStore | undefined;
  const stdout = options.stdout ?? ((line: string) => void process.stdout.write(`${line}\n`));
  return async (event: unknown, context?: LambdaContext): Promise<LambdaResult> => {
    const base = options.logger ?? createLogger({ pretty: false, name: 'sre-agent' });
    const logger = context?.awsRequestId ? loggerWith(base, { awsRequestId: context.awsRequestId }) : base;
    let env = options.env?.() ?? readProcessEnv();
    let marginMs = DEFAULT_MARGIN_MS;
    try {
      env = await withKubeconfigData(env);
      if (env.SRE_AGENT_LAMBDA_MARGIN)
        marginMs = parseDuration(env.SRE_AGENT_LAMBDA_MARGIN, 'SRE_AGENT_LAMBDA_MARGIN');
    } catch (error) {
      logger.error(`configuration: ${errorMessage(error)}`);
      return { status: 'failed', reason: errorMessage(error) };
    }
    const remaining = context?.getRemainingTimeInMillis?.();
    const maxTimeoutMs = remaining === undefined ? undefined : Math.max(MIN_RUN_MS, remaining - marginMs);
    if (remaining !== undefined) {
      logger.info(
        `run deadline at most ${maxTimeoutMs}ms: ${remaining}ms remaining less a ${marginMs}ms margin`,
        {
          remainingMs: remaining,
          marginMs,
        },
      );
      if (remaining - marginMs < MIN_RUN_MS)
        logger.warn(`only ${remaining}ms left for a ${marginMs}ms margin: raise the function's timeout`);
    }
    const holder = context?.awsRequestId ?? context?.functionName ?? 'sre-agent-lambda';
    // One memory store for the process: a store made per event would let a warm function's
    // duplicate deliveries post twice. The Kubernetes store is made per event (its namespace
    // defaults to the incident's), the same way for the claim and for giving it back.
    const inMemory = (env.SRE_AGENT_DEDUPE ?? '').trim().toLowerCase() === 'memory';
    const shared = options.dedupe ?? (inMemory ? (memoryStore ??= createMemoryDedupeStore()) : undefined);
    const outcome = await handleTriggerEvent(event, {
      env,
      logger,
      source: 'lambda',
      maxTimeoutMs,
      holder,
      ...(shared ? { dedupe: shared } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    if (outcome.status === 'failed' && !outcome.usage && !outcome.posted) {
      // Nothing was posted and the failure may pass: let Lambda retry (the claim guards the post).
      throw new Error(`sre-agent: ${outcome.error}`);
    }
    const lost = lostPost(outcome);
    if (lost !== null && outcome.status === 'reported') {
      // The report itself, where CloudWatch Logs keeps it; then a retry, which must be free to post.
      stdout(
        JSON.stringify({
          time: new Date().toISOString(),
          level: 'error',
          msg: 'report not posted to Slack',
          ...(context?.awsRequestId ? { awsRequestId: context.awsRequestId } : {}),
          dedupeKey: outcome.incident.dedupeKey,
          error: lost,
          report: redactDeep(outcome.report),
        }),
      );
      const store =
        shared ??
        dedupeStoreFromEnv(env, {
          fallbackNamespace: outcome.incident.namespace ?? 'default',
          holder,
          logger,
        });
      await store.release(outcome.incident.dedupeKey);
      throw new ReportNotPostedError(
        `sre-agent: the report for ${outcome.incident.service} was not posted (${lost}); it is in the log above, and the event will be retried`,
      );
    }
    return summary(outcome);
  };
}

/** The AWS Lambda entry point (DESIGN.md 4.1): `dist/lambda.js`, export `handler`. */
export const handler = createHandler();
