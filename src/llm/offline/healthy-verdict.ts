import type { EngineContext } from '../engine.js';
import { lastSuccessfulRun, supersededRuns, type ServiceFacts } from './facts.js';
import type { Recovery } from './recovery.js';
import type { Verdict } from './rules/verdict.js';
import { noteGap } from './gaps.js';
import { quote } from './quote.js';

/**
 * The part of an alert that says requests are failing now (an error ratio, 5xx answers, a burning
 * error budget), as opposed to latency, restarts or a finished Job, which a healthy service can
 * have had. Undefined when the alert says no such thing.
 */
export function alertedErrors(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const m =
    /\b5xx\b|\bHTTP 5\d\d\b|\b50[234]s?\b|error (?:rate|ratio|budget)|ErrorBudgetBurn|errors? (?:above|over)|requests? (?:are )?failing/i.exec(
      text,
    );
  if (!m) return undefined;
  // The sentence around the words: from the last stop before them to the next one after.
  const start = Math.max(...['.', ';', '\n'].map((stop) => text.lastIndexOf(stop, m.index) + 1));
  const ends = ['.', ';', '\n']
    .map((stop) => text.indexOf(stop, m.index + m[0].length))
    .filter((i) => i >= 0);
  return text.slice(start, ends.length ? Math.min(...ends) : undefined).trim() || undefined;
}

/** Healthy: what was read and found fine, as positive evidence. */
export function healthyVerdict(ctx: EngineContext, facts: ServiceFacts): Verdict {
  const pods = facts.listing.pods;
  const stale = supersededRuns(pods);
  const later = stale.size ? lastSuccessfulRun(pods) : undefined;
  if (later) {
    // A failed run that a later run made history: say which run failed and which one shows it is over.
    const failedRuns = [...new Set(pods.filter((p) => stale.has(p.name)).map((p) => p.ownerName ?? p.name))];
    const done = later.containers.find((c) => !c.init)?.finishedAt;
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `Job ${failedRuns.join(', ')} failed, but the later run ${later.ownerName ?? later.name} completed${done ? ` at ${done}` : ''} (pod ${later.name} Succeeded) and its log is clean.`,
      ref: `job/${later.ownerName ?? later.name}`,
    });
    return {
      status: 'healthy',
      summary: `${facts.service} recovered: run ${failedRuns.join(', ')} failed, but the later run ${later.ownerName ?? later.name} succeeded${done ? ` at ${done}` : ''}; nothing is failing now.`,
      statement: `No current fault: ${failedRuns.join(', ')} failed and the next run ${later.ownerName ?? later.name} completed successfully, so the failure did not persist.`,
      confidence: 'medium',
      fix: `Nothing to fix now; delete the failed Job (kubectl delete job ${failedRuns[0]} -n ${facts.namespace}) to clear the alert, and look at its logs if failures repeat.`,
    };
  }
  const claimed = alertedErrors(ctx.incident.text);
  if (claimed) {
    // The alert measured errors that nothing read here shows: they happen where this run cannot
    // see (a load balancer, an ingress or gateway, the clients, another workload). Not healthy.
    noteGap(
      ctx,
      `where the errors the alert reports come from ("${quote(claimed, 160)}")`,
      `${facts.service}'s pods are running and ready with clean logs and no warning events, so the errors arise outside what this run read (load balancer, ingress or gateway logs and settings, callers, other workloads)`,
    );
    return {
      status: 'inconclusive',
      summary: `The alert reports errors ("${quote(claimed, 160)}"), but ${facts.service}'s ${pods.length} pod(s) are running and ready with no restarts, no warning events and clean logs: the errors are not visible in the service itself.`,
      statement: `No fault found in ${facts.service}'s pods, events or logs, which does not explain the errors the alert measured ("${quote(claimed, 200)}").`,
      confidence: 'low',
      fix: `Look where the alert's errors are recorded: the load balancer, ingress or gateway in front of ${facts.service} (its access logs, timeouts, protocol settings), the callers, and recent changes to them.`,
    };
  }
  return {
    status: 'healthy',
    summary: `${facts.service} looks healthy: ${pods.length} pod(s) running and ready, no recent restarts, no warning events, clean logs, no failed calls to other services.`,
    statement: 'No fault found.',
    confidence: 'medium',
    fix: 'Nothing to fix in this service; if the alert persists, check its upstream dependencies and the alert itself.',
  };
}

/** Healthy after a blip: what happened, when it stopped, and what shows it is over. */
export function recoveredVerdict(ctx: EngineContext, facts: ServiceFacts, recovery: Recovery): Verdict {
  const minutes = Math.round((ctx.now.getTime() - recovery.lastSeen.getTime()) / 60_000);
  const when = `${recovery.lastSeen.toISOString()} (${minutes} min ago)`;
  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `Past trouble, last seen ${when}: ${recovery.trouble.join(', ')}; since then every pod is running and ready, with no restarts.`,
  });
  return {
    status: 'healthy',
    summary: `${facts.service} recovered: ${recovery.trouble.join(', ')} stopped at ${when}; all ${facts.listing.pods.length} pod(s) are running and ready now, with no restarts since, and the logs have been clean since.`,
    statement: `No current fault: a transient episode (${recovery.trouble.join(', ')}) ended at ${when} and the service has been healthy since.`,
    confidence: 'medium',
    fix: 'Nothing to fix now; if the episode repeats, look at what happened at that time (a deploy, a dependency restart, a node event).',
  };
}
