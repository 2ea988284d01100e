import { parseLogLine } from '../../util/log-lines.js';
import { lastSuccessfulRun, supersededRuns, type ServiceFacts } from './facts.js';
import { significantError } from './health.js';
import { quote } from './quote.js';
import { UNREACHABLE } from './rules/signals.js';
import type { PodContainer } from './tool-data.js';

/** How long trouble must have stopped before it is history rather than the incident. */
const QUIET_MS = 10 * 60_000;
/** A restart this recent is part of the incident, whatever the events say. */
const RESTART_WINDOW_MS = 6 * 3600_000;
/** More restarts than this, however old the last one, is a pattern rather than an episode. */
const MAX_OLD_RESTARTS = 3;
/**
 * A container restarted inside the restart window is still history once it has run and stayed
 * ready this long: a crash loop's back-off tops out at five minutes, so half an hour of uptime
 * (three quiet periods) after the restart is an episode that ended, not a loop between crashes.
 */
const SETTLED_MS = 3 * QUIET_MS;
/** Lines logged after the last error that show the service working again. */
const CLEAN_LINES = 3;

/** Trouble that happened and stopped: what it was, and when it was last seen. */
export interface Recovery {
  /** `Unhealthy ×14`, `errors in the logs ×6`… */
  trouble: string[];
  lastSeen: Date;
}

function time(value: string | undefined): number {
  return value ? Date.parse(value) : Number.NaN;
}

/**
 * A blip that is over: warning events or errors that stopped a while ago, every pod running and
 * ready now with no restart in the window, and logs that carry on cleanly after the last error.
 * Events are history; the current state decides. Null when any of it is missing or unknown (an
 * event or error without a time is never assumed old) — and when there was no trouble at all.
 */
export function recoveredBlip(facts: ServiceFacts, now: Date): Recovery | null {
  const stale = supersededRuns(facts.listing.pods);
  const pods = facts.listing.pods.filter((p) => !stale.has(p.name));
  if (!pods.length || !facts.logsComplete || !facts.logs.length) return null;
  const upNow = pods.every(
    (p) =>
      p.phase === 'Running' &&
      p.containers.length > 0 &&
      p.containers.every((c) => c.init || (c.ready === true && c.state === 'running')),
  );
  if (!upNow) return null;
  const restartedLately = pods.some((p) =>
    p.containers.some((c) => {
      if (!c.restartCount) return false;
      const at = time(c.lastTermination?.finishedAt);
      return Number.isNaN(at) || (now.getTime() - at < RESTART_WINDOW_MS && !settled(c, now));
    }),
  );
  if (restartedLately) return null;
  // A Job that failed for good (its backoff limit or deadline) stays failed until a later run
  // succeeds: without that success among the pods, its failure is no blip, however old the event.
  const success = Date.parse(lastSuccessfulRun(facts.listing.pods)?.startTime ?? '');
  const jobFailed = facts.related.some(
    (e) =>
      /^Job\//.test(e.object ?? '') &&
      /BackoffLimitExceeded|DeadlineExceeded|PodFailurePolicy|MaxFailedIndexesExceeded/.test(
        e.reason ?? '',
      ) &&
      !(success > time(e.lastTimestamp)),
  );
  if (jobFailed) return null;
  const cutoff = now.getTime() - QUIET_MS;
  const trouble: string[] = [];
  let last = 0;
  // The nodes the pods run on now: their NotReady, reboot or pressure during an upgrade or drain is history too.
  const nodes = new Set(pods.map((p) => `Node/${p.node ?? ''}`));
  const nodeTrouble = facts.events.filter(
    (e) =>
      nodes.has(e.object ?? '') &&
      (e.type === 'Warning' || /NotReady|Rebooted|Pressure|SystemOOM|NotSchedulable/.test(e.reason ?? '')),
  );
  for (const e of [...facts.related.filter((x) => x.type === 'Warning'), ...nodeTrouble]) {
    const at = time(e.lastTimestamp);
    if (Number.isNaN(at) || at > cutoff) return null;
    last = Math.max(last, at);
    trouble.push(`${e.reason ?? 'Warning'} ×${e.count ?? 1}`);
  }
  for (const log of facts.logs) {
    const errors = log.analysis.signatures.filter(
      (s) =>
        significantError(s, log) ||
        (s.kind === 'warning' && s.count >= 3 && UNREACHABLE.test(`${s.message} ${s.sample}`)),
    );
    if (!errors.length) continue;
    if (log.previous) {
      // A crashed container's last words are not a blip — unless that crash is long over: the
      // container restarted once or twice long ago and has run and stayed ready ever since.
      const old = oldRestart(facts, log.pod, now);
      if (!old) return null;
      last = Math.max(last, old.at);
      trouble.push(
        `${old.restarts === 1 ? 'one restart' : `${old.restarts} restarts`} of pod ${log.pod} (${old.reason}${old.exitCode !== undefined ? `, exit code ${old.exitCode}` : ''})`,
      );
      continue;
    }
    const lastError = Math.max(...errors.map((s) => time(s.lastAt)));
    if (Number.isNaN(lastError) || lastError > cutoff) return null;
    const cleanAfter = log.text
      .split('\n')
      .map(parseLogLine)
      .filter((l) => time(l.time) > lastError && l.level !== 'error').length;
    if (cleanAfter < CLEAN_LINES) return null;
    last = Math.max(last, lastError);
    // Name what failed (the exception's type, else the words of the commonest error) so that a reader can tell the episode apart.
    const top = [...errors].sort((a, b) => b.count - a.count)[0];
    const what = top?.type ?? (top ? quote(top.message, 80) : '');
    trouble.push(
      `${errors.reduce((n, s) => n + s.count, 0)} error line(s) in ${log.pod}'s log${what ? ` (${what})` : ''}`,
    );
  }
  return trouble.length ? { trouble, lastSeen: new Date(last) } : null;
}

/**
 * A restart inside the window that has settled: few restarts, the container running and ready
 * since, started long enough ago that a crash loop would have crashed again. An OOM kill is
 * never settled this soon — memory regrows at its own pace, so the next kill may be hours off.
 */
function settled(container: PodContainer, now: Date): boolean {
  const started = time(container.startedAt);
  return (
    container.state === 'running' &&
    container.ready === true &&
    (container.restartCount ?? 0) <= MAX_OLD_RESTARTS &&
    container.lastTermination?.reason !== 'OOMKilled' &&
    !Number.isNaN(started) &&
    now.getTime() - started >= SETTLED_MS
  );
}

/**
 * A pod whose restarts are history: few of them, the last termination longer ago than the restart
 * window, and the container running and ready since. A crash loop restarts again within minutes.
 */
function oldRestart(
  facts: ServiceFacts,
  podName: string,
  now: Date,
): { at: number; restarts: number; reason: string; exitCode?: number } | null {
  const pod = facts.listing.pods.find((p) => p.name === podName);
  const container = pod?.containers.find((c) => !c.init && c.lastTermination);
  const at = time(container?.lastTermination?.finishedAt);
  if (!container || Number.isNaN(at)) return null;
  if (now.getTime() - at < RESTART_WINDOW_MS && !settled(container, now)) return null;
  if (
    container.state !== 'running' ||
    container.ready !== true ||
    (container.restartCount ?? 0) > MAX_OLD_RESTARTS
  )
    return null;
  return {
    at,
    restarts: container.restartCount ?? 1,
    reason: container.lastTermination?.reason ?? 'Error',
    ...(container.lastTermination?.exitCode !== undefined
      ? { exitCode: container.lastTermination.exitCode }
      : {}),
  };
}
