import type { DiagnoseFlags, Env } from '../config/load.js';
import { parseDuration } from '../config/duration.js';
import type { DedupeStore } from '../dedupe/dedupe-store.js';
import { SreAgentError, errorMessage } from '../errors/errors.js';
import type { EventShape, IgnoredEvent, TriggerIncident } from '../incident/event-types.js';
import { isIgnored } from '../incident/event-types.js';
import { normalizeEvent } from '../incident/normalize-event.js';
import type { RunEvent } from '../agent/run-events.js';
import { redactSecrets } from '../guards/redact-secrets.js';
import type { Report } from '../report/schema.js';
import { isAllowedResponseUrl, postToResponseUrl } from '../slack-command/response-url.js';
import { reportLink } from '../slack-command/report-link.js';
import { finalReply } from '../slack-command/replies.js';
import type { Logger } from '../util/log.js';
import { progressPrinter } from './progress.js';
import {
  replyToRecovery,
  reportNoteKey,
  slackThreadPoster,
  type RecoveryOutcome,
  type ThreadPoster,
} from './alarm-recovery.js';

/** What a trigger (Lambda, `run-event`) hands to the shared core. */
export interface TriggerDeps {
  env: Env;
  logger: Logger;
  source: 'lambda' | 'job';
  now?: () => Date;
  /** Flags beyond service and namespace (`--llm`, `--config`, `--no-slack`, …). */
  flags?: Omit<Partial<DiagnoseFlags>, 'service' | 'namespace'>;
  /** Caps the run's deadline (a Lambda's remaining time less a margin). */
  maxTimeoutMs?: number;
  /** Default: from the environment (`SRE_AGENT_DEDUPE`), Leases in the cluster. */
  dedupe?: DedupeStore;
  /** Who claims, written on the dedupe Lease (request id, pod name). */
  holder?: string;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Posts an alarm's recovery in its report's thread (default: the Slack Web API). */
  postInThread?: ThreadPoster;
}

/** How a trigger event ended; the Lambda returns it, `run-event` maps it to an exit code. */
export type TriggerOutcome =
  | {
      status: 'ignored';
      reason: string;
      kind: IgnoredEvent['kind'];
      shape?: EventShape;
      /** An alarm's OK transition: whether its report's thread was told. */
      recovery?: RecoveryOutcome;
    }
  | { status: 'duplicate'; incident: TriggerIncident }
  | {
      status: 'reported';
      incident: TriggerIncident;
      report: Report;
      /** Another delivery claimed the incident first, so this one did not post. */
      duplicate: boolean;
      deadlineHit: boolean;
    }
  | { status: 'failed'; incident?: TriggerIncident; error: string; usage: boolean; posted: boolean };

/** A logger that adds `fields` to every line (the incident's key, the Lambda request id). */
export function loggerWith(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    debug: (m, f) => logger.debug(m, { ...fields, ...f }),
    info: (m, f) => logger.info(m, { ...fields, ...f }),
    warn: (m, f) => logger.warn(m, { ...fields, ...f }),
    error: (m, f) => logger.error(m, { ...fields, ...f }),
  };
}

function logsCooldown(env: Env, logger: Logger): number | undefined {
  if (!env.SRE_AGENT_LOGS_COOLDOWN) return undefined;
  try {
    return parseDuration(env.SRE_AGENT_LOGS_COOLDOWN, 'SRE_AGENT_LOGS_COOLDOWN');
  } catch (error) {
    logger.warn(`${errorMessage(error)}; using the default of 10m`);
    return undefined;
  }
}

const jsonProgressOutput = { stdout() {}, stderr() {}, stderrIsTty: false, stdoutIsTty: false };

/**
 * One trigger event, end to end: normalise it; ignore what is not an `ALARM` (with a log line);
 * stop early when another delivery already posted; diagnose through the one core with a dedupe
 * claim right before the post; tell a Slack `response_url` where the report is. Never throws.
 */
export async function handleTriggerEvent(event: unknown, deps: TriggerDeps): Promise<TriggerOutcome> {
  const now = deps.now?.() ?? new Date();
  const normalized = normalizeEvent(event, {
    now,
    source: deps.source,
    logsCooldownMs: logsCooldown(deps.env, deps.logger),
  });
  if (isIgnored(normalized)) {
    const line = `event ignored: ${normalized.ignored}`;
    const fields = { kind: normalized.kind, ...(normalized.shape ? { shape: normalized.shape } : {}) };
    if (normalized.kind === 'not-actionable') deps.logger.info(line, fields);
    else deps.logger.warn(line, fields);
    const recovery = normalized.recovery
      ? await replyToRecovery(normalized.recovery, {
          store: deps.dedupe ?? (await defaultStore(deps, 'default', deps.logger)),
          post: deps.postInThread ?? slackThreadPoster(deps.env, deps.logger),
          logger: deps.logger,
        })
      : undefined;
    return {
      status: 'ignored',
      reason: normalized.ignored,
      kind: normalized.kind,
      shape: normalized.shape,
      ...(recovery ? { recovery } : {}),
    };
  }
  // Log lines can carry secrets; the alert text reaches the model and the report.
  const incident: TriggerIncident = {
    ...normalized,
    ...(normalized.text ? { text: redactSecrets(normalized.text) } : {}),
  };
  const logger = loggerWith(deps.logger, { service: incident.service, dedupeKey: incident.dedupeKey });
  logger.info(`incident for ${incident.service}`, {
    source: incident.source,
    ...(incident.namespace ? { namespace: incident.namespace } : {}),
    ...(incident.alarm ? { alarm: incident.alarm } : {}),
  });
  // Loaded only for an incident: an ignored event exits without loading clients and servers.
  const [{ diagnoseOnce }, { dedupeStoreFromEnv }] = await Promise.all([
    import('./diagnose-session.js'),
    import('../dedupe/store-from-env.js'),
  ]);
  const store =
    deps.dedupe ??
    dedupeStoreFromEnv(deps.env, {
      fallbackNamespace: incident.namespace ?? 'default',
      holder: deps.holder ?? `sre-agent-${deps.source}`,
      logger,
    });
  if (await store.isClaimed(incident.dedupeKey)) {
    logger.info('another delivery of this incident already posted its report: nothing to do');
    return { status: 'duplicate', incident };
  }
  let posted = false;
  let claimedElsewhere = false;
  const progress = progressPrinter(jsonProgressOutput, logger);
  try {
    const { report, deadlineHit } = await diagnoseOnce(
      {
        ...deps.flags,
        service: incident.service,
        ...(incident.namespace ? { namespace: incident.namespace } : {}),
      },
      {
        env: deps.env,
        logger,
        signal: deps.signal,
        incident,
        maxTimeoutMs: deps.maxTimeoutMs,
        claim: async (key) => {
          const first = await store.claim(key);
          claimedElsewhere = !first;
          return first;
        },
        onEvent: (runEvent: RunEvent) => {
          if (runEvent.type === 'report_posted' && runEvent.posted) posted = true;
          progress(runEvent);
        },
      },
    );
    logger.info(`report for ${report.service}: ${report.status}`, {
      engine: report.engine,
      degraded: report.degraded,
      posted: report.slack.posted,
      channel: report.slack.channel,
      ts: report.slack.ts,
      ...(report.slack.error ? { slackError: report.slack.error } : {}),
      durationMs: report.durationMs,
    });
    // Where the report went, for the alarm's recovery to reply in its thread.
    if (
      incident.alarmRef &&
      report.slack.posted &&
      report.slack.channel &&
      report.slack.ts &&
      !claimedElsewhere
    )
      await store.remember(reportNoteKey(incident.alarmRef.key), {
        channel: report.slack.channel,
        ts: report.slack.ts,
        since: incident.alarmRef.since,
      });
    await tellResponseUrl(incident, report, deps, logger);
    return { status: 'reported', incident, report, duplicate: claimedElsewhere, deadlineHit };
  } catch (error) {
    const usage = error instanceof SreAgentError && error.code !== 'unexpected';
    logger.error(`diagnosis of ${incident.service} failed: ${errorMessage(error)}`, { usage, posted });
    return { status: 'failed', incident, error: errorMessage(error), usage, posted };
  }
}

/** The store from the environment, as an incident's would be made. */
async function defaultStore(deps: TriggerDeps, namespace: string, logger: Logger): Promise<DedupeStore> {
  const { dedupeStoreFromEnv } = await import('../dedupe/store-from-env.js');
  return dedupeStoreFromEnv(deps.env, {
    fallbackNamespace: namespace,
    holder: deps.holder ?? `sre-agent-${deps.source}`,
    logger,
  });
}

/** A job dispatched by the Slack command reports back to the person who asked. */
async function tellResponseUrl(
  incident: TriggerIncident,
  report: Report,
  deps: TriggerDeps,
  logger: Logger,
): Promise<void> {
  if (!incident.responseUrl) return;
  if (!isAllowedResponseUrl(incident.responseUrl, deps.env.SRE_AGENT_RESPONSE_URL_PREFIX)) {
    logger.warn("the event names a response URL that is not Slack's; not posting to it");
    return;
  }
  const link =
    report.slack.posted && report.slack.channel && report.slack.ts
      ? await reportLink(deps.env, { channel: report.slack.channel, ts: report.slack.ts }, logger)
      : undefined;
  await postToResponseUrl(incident.responseUrl, finalReply(report, link), {
    logger,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
}
