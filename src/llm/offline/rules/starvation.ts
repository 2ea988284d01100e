import { parseQuantity } from '../../../util/quantity.js';
import { quote } from '../quote.js';
import { revisionDiff } from '../revisions.js';
import { correlateChange } from './recent-change.js';
import { times, type Rule } from './verdict.js';

/** A probe that found nothing listening yet, or no answer in time: the app is not up, not wrong. */
const NOT_UP = /connection refused|context deadline exceeded|Client\.Timeout|timed out|i\/o timeout|EOF/i;
/** The line a server prints once it serves: after it, a refused probe is no start-up problem. */
const STARTED =
  /\b(started|listening|ready to (?:accept|serve)|server running|serving on|startup complete|application ready)\b/i;
/** A start-up the log itself reports as slow (`Started App in 94.3 seconds`). */
const SLOW_START =
  /\b(?:started|startup|initiali[sz]ed)\b[^\n]{0,60}?\bin (\d+(?:\.\d+)?) ?(?:s|sec|seconds)\b/i;
/** A cpu limit at or below this is low for a runtime that compiles or loads much at start (JVM, .NET, Node). */
const LOW_CPU = 0.25;

/**
 * CPU starvation at start-up: probes fail with refused connections or timeouts while the app is
 * still starting, the liveness probe restarts it, and its cpu limit was cut in the newest revision
 * (or is very low and the log shows it never finished starting). The limit is the cause, not the probe.
 */
export const cpuStarvationRule: Rule = async (ctx, facts) => {
  const probeFailures = facts.related.filter(
    (e) => e.reason === 'Unhealthy' && /probe failed/i.test(e.message ?? '') && NOT_UP.test(e.message ?? ''),
  );
  const killedByLiveness =
    facts.related.some(
      (e) =>
        /failed liveness probe/i.test(e.message ?? '') ||
        (e.reason === 'Unhealthy' && /liveness/i.test(e.message ?? '')),
    ) && facts.listing.pods.some((p) => (p.restarts ?? 0) > 0);
  if (!probeFailures.length || !killedByLiveness) return null;
  const diff = await revisionDiff(ctx, facts);
  const cut = diff?.changes.find((c) => c.area === 'resources' && c.key === 'cpu limit' && c.lowered);
  const container = facts.listing.pods
    .flatMap((p) => p.containers)
    .find((c) => !c.init && (c.restartCount ?? 0) > 0);
  const limit = cut?.to ?? container?.resources?.limits?.cpu;
  const cores = parseQuantity(limit);
  const startLogs = facts.logs.filter(
    (l) => l.previous || !facts.logs.some((o) => o.pod === l.pod && o.previous),
  );
  const slow = startLogs.map((l) => l.text.match(SLOW_START)).find((m) => m && Number(m[1]) >= 20);
  const neverStarted = startLogs.length > 0 && startLogs.every((l) => !STARTED.test(l.text));
  if (!cut && !(cores !== undefined && cores <= LOW_CPU && (slow || neverStarted))) return null;
  const total = probeFailures.reduce((n, e) => n + (e.count ?? 1), 0);
  const restarts = Math.max(0, ...facts.listing.pods.map((p) => p.restarts ?? 0));
  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `${quote(probeFailures[0]?.message ?? '', 200)} (×${total}); restarted by the liveness probe ${times(restarts)}`,
    ref: probeFailures[0]?.object,
  });
  if (cut && diff)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `${diff.current} against ${diff.previous}: ${cut.text}`,
      ref: facts.listing.workload
        ? `${facts.listing.workload.kind.toLowerCase()}/${facts.listing.workload.name}`
        : undefined,
    });
  const startNote = slow
    ? ` The log shows a slow start ("${quote(slow[0], 120)}").`
    : neverStarted
      ? ' The log never reaches its "started" line before the container is killed.'
      : '';
  const change = await correlateChange(ctx, {
    text: `cpu ${limit ?? ''}`,
    files: [],
    focus: limit ? [`cpu: ${limit}`, `cpu: "${limit}"`, `cpu: '${limit}'`] : [],
  });
  const what = cut
    ? `the cpu limit was cut from ${cut.from ?? '?'} to ${cut.to ?? '?'} in the newest revision`
    : `the cpu limit is only ${limit ?? '?'}`;
  return {
    status: 'diagnosed',
    summary: `${facts.service} is starved of CPU at start-up: ${what}, so it cannot start before its probes give up; the liveness probe restarts it (${times(restarts)}).`,
    statement: `CPU starvation / throttling at start-up: ${what}. The probes fail with "${quote(probeFailures[0]?.message ?? '', 160)}" because the application is still starting, and the liveness probe kills it before it is up.${startNote} The cause is the CPU limit, not the probe.${change ? ` ${change.note}` : ''}`,
    confidence: cut ? 'high' : 'medium',
    fix: `Restore the cpu limit${cut?.from ? ` to ${cut.from}` : ' to what the runtime needs to start'} (or remove the limit), or give the start-up time with a startupProbe; do not just loosen the readiness probe.`,
    rollback: true,
    objects: facts.listing.workload ? [facts.listing.workload] : [],
    clues: limit ? [`cpu: ${limit}`] : [],
  };
};
