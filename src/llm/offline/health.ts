import { supersededRuns, type PodLog, type ServiceFacts } from './facts.js';
import type { LogSignature } from './log-analysis.js';
import type { EventInfo } from './tool-data.js';
import { ENVOY_RBAC_DENIED, RATE_LIMITED, UNREACHABLE } from './rules/signals.js';
import { serverErrors } from './server-errors.js';

const RECENT_MS = 6 * 3600_000;

/**
 * An error worth a verdict: an exception, an error repeated, or any error a crashed container
 * logged last. One or two stray error lines in a busy log (a client's bad request) are not.
 */
export function significantError(s: LogSignature, log: PodLog): boolean {
  return s.kind === 'exception' || (s.kind === 'error' && (s.count >= 3 || log.previous));
}

/** All pods running, every container ready, none restarted. */
export function allReady(facts: ServiceFacts): boolean {
  return (
    facts.listing.pods.length > 0 &&
    facts.listing.pods.every(
      (p) =>
        p.phase === 'Running' &&
        (p.restarts ?? 0) === 0 &&
        p.containers.every((c) => c.init || c.ready !== false),
    )
  );
}

/**
 * A warning that passed: a probe that failed fewer times than any failure threshold while every
 * pod stayed ready (a slow answer during a reload, a GC pause).
 */
export function transientWarning(e: EventInfo, facts: ServiceFacts): boolean {
  return (
    e.reason === 'Unhealthy' && (e.count ?? 1) < 3 && !/liveness/i.test(e.message ?? '') && allReady(facts)
  );
}

/**
 * What stands between the facts and a clean bill of health; empty means healthy. Healthy needs
 * positive evidence: pods that run and are ready, no recent restarts, no warning events, logs that
 * were read and are clean, and no failed calls to anything else.
 */
export function healthIssues(facts: ServiceFacts, now: Date): string[] {
  const issues: string[] = [];
  const stale = supersededRuns(facts.listing.pods);
  const pods = facts.listing.pods.filter((p) => !stale.has(p.name));
  if (!pods.length) issues.push('no pods run');
  // A Job's pod that completed is done, not down.
  const unready = pods.filter(
    (p) =>
      p.phase !== 'Succeeded' &&
      (p.phase !== 'Running' || p.containers.some((c) => !c.init && c.ready === false)),
  );
  if (unready.length) issues.push(`${unready.length} pod(s) not running and ready`);
  const restarted = pods.flatMap((p) =>
    p.containers.filter((c) => {
      if (!c.restartCount) return false;
      const at = Date.parse(c.lastTermination?.finishedAt ?? '');
      return Number.isNaN(at) || now.getTime() - at < RECENT_MS;
    }),
  );
  if (restarted.length) issues.push(`${restarted.length} container(s) restarted recently`);
  const staleObjects = new Set(
    facts.listing.pods
      .filter((p) => stale.has(p.name))
      .flatMap((p) => [`Pod/${p.name}`, `Job/${p.ownerName ?? ''}`]),
  );
  const warnings = facts.related.filter(
    (e) => e.type === 'Warning' && !transientWarning(e, facts) && !staleObjects.has(e.object ?? ''),
  );
  if (warnings.length)
    issues.push(
      `${warnings.length} warning event(s) (${[...new Set(warnings.map((e) => e.reason))].slice(0, 3).join(', ')})`,
    );
  if (!facts.logsComplete) issues.push('some logs could not be read');
  else if (pods.length && !facts.logs.length) issues.push('no logs were read');
  const errors = facts.logs.flatMap((l) => l.analysis.signatures.filter((s) => significantError(s, l)));
  if (errors.length) issues.push(`${errors.reduce((n, s) => n + s.count, 0)} error line(s) in the logs`);
  const failedCalls = facts.logs.flatMap((l) =>
    l.analysis.signatures.filter(
      (s) => s.kind === 'warning' && s.count >= 3 && UNREACHABLE.test(`${s.message} ${s.sample}`),
    ),
  );
  if (failedCalls.length) issues.push('repeated failed calls to other services in the logs');
  // A call another service refuses (rate limited, not authorised) fails as surely as one it never answers.
  const refusedCalls = facts.logs.flatMap((l) =>
    l.analysis.signatures.filter((s) => {
      const text = `${s.type ?? ''} ${s.message} ${s.sample}`;
      return s.count >= 3 && (RATE_LIMITED.test(text) || ENVOY_RBAC_DENIED.test(text));
    }),
  );
  if (refusedCalls.length)
    issues.push(
      `${refusedCalls.reduce((n, s) => n + s.count, 0)} call(s) refused by another service (rate limited or not authorised) in the logs`,
    );
  const answered = serverErrors(facts.logs);
  if (answered)
    issues.push(
      `${answered.count} of its latest requests answered with a server error (5xx), e.g. "${answered.sample}"`,
    );
  return issues;
}
