import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProcessEnv } from './config/env.js';
import { parseDuration } from './config/duration.js';
import type { Env } from './config/load.js';
import type { DedupeStore } from './dedupe/dedupe-store.js';
import { errorMessage } from './errors/errors.js';
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
}

export interface HandlerOptions {
  /** Default: the process environment, read at each invocation. */
  env?: () => Env;
  logger?: Logger;
  dedupe?: DedupeStore;
  now?: () => Date;
}

// Room left after the run's deadline: the post has its own 15 s budget, the claim 5 s, then shutdown.
const DEFAULT_MARGIN_MS = 25_000;
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
  if (outcome.status === 'ignored') return { status: 'ignored', reason: outcome.reason };
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

/**
 * Build a Lambda handler. Every invocation: JSON log lines; the event normalised (SNS, alarm action,
 * EventBridge, Logs subscription, or `{service}`); only ALARM acted on; a deadline from the
 * remaining time less a margin; the dedupe claim before the post. It never throws after a post;
 * before one, only an unexpected failure is rethrown, so that Lambda's retry can try again.
 */
export function createHandler(options: HandlerOptions = {}) {
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
    const outcome = await handleTriggerEvent(event, {
      env,
      logger,
      source: 'lambda',
      maxTimeoutMs,
      holder: context?.awsRequestId ?? context?.functionName ?? 'sre-agent-lambda',
      ...(options.dedupe ? { dedupe: options.dedupe } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    if (outcome.status === 'failed' && !outcome.usage && !outcome.posted) {
      // Nothing was posted and the failure may pass: let Lambda retry (the claim guards the post).
      throw new Error(`sre-agent: ${outcome.error}`);
    }
    return summary(outcome);
  };
}

/** The AWS Lambda entry point (DESIGN.md 4.1): `dist/lambda.js`, export `handler`. */
export const handler = createHandler();
