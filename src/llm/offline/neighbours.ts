import type { EngineContext } from '../engine.js';
import type { ServiceFacts } from './facts.js';
import { quote } from './quote.js';
import type { Verdict } from './rules/verdict.js';
import type { EventInfo } from './tool-data.js';

/**
 * Verdicts about something the service shares with its neighbours: node capacity, a database's
 * connection slots, an API's quota, a broker's memory. Another workload that grew (or a consumer
 * that stopped) shortly before is often why the shared thing ran out.
 */
const SHARED = [
  { re: /Insufficient (?:memory|cpu)|cannot be scheduled|no node/i, stopped: false },
  { re: /too many (?:clients|connections)|max_connections|connection slots|maxclients/i, stopped: false },
  { re: /\b429\b|rate.?limit|Too Many Requests|quota/i, stopped: false },
  { re: /memory alarm|maxmemory|backlog|out of (?:memory|disk)|disk alarm|flood-stage/i, stopped: true },
];

/** How far back a neighbour's change may lie and still explain the trouble. */
const WINDOW_MS = 6 * 3600_000;

interface Change {
  object: string;
  what: string;
  at: string;
  weight: number;
  stopped: boolean;
}

/** What another workload did, from its controller's events: scaled, started Job pods, was started by a CronJob. */
function changeOf(e: EventInfo): Omit<Change, 'at'> | null {
  const message = e.message ?? '';
  if (e.reason === 'ScalingReplicaSet' || e.reason === 'SuccessfulRescale') {
    const to = Number(message.match(/\bto (\d+)/)?.[1] ?? message.match(/New size: (\d+)/)?.[1] ?? NaN);
    const from = Number(message.match(/from (\d+)/)?.[1] ?? NaN);
    if (Number.isNaN(to)) return null;
    if (to === 0)
      return {
        object: e.object ?? '',
        what: `was scaled down to 0${Number.isNaN(from) ? '' : ` from ${from}`}`,
        weight: 1,
        stopped: true,
      };
    if (!Number.isNaN(from) && to <= from) return null;
    return {
      object: e.object ?? '',
      what: `was scaled up to ${to}${Number.isNaN(from) ? '' : ` from ${from}`} replicas`,
      weight: Number.isNaN(from) ? 1 : to / Math.max(1, from),
      stopped: false,
    };
  }
  if (e.reason === 'SuccessfulCreate' && /^(?:Job|CronJob)\//.test(e.object ?? ''))
    return { object: e.object ?? '', what: `started (${quote(message, 80)})`, weight: 1, stopped: false };
  return null;
}

/** The owner an object's name belongs to: a CronJob's Job is named `<cronjob>-<minute>`. */
function workloadOf(object: string): string {
  const [kind = '', name = ''] = object.split('/');
  if (kind === 'Job') return name.replace(/-\d{8,10}$/, '');
  if (kind === 'ReplicaSet') return name.replace(/-[a-z0-9]{8,10}$/, '');
  return name;
}

/**
 * A verdict about a shared resource gains the neighbour that changed before it ran out: the
 * workload in the namespace scaled up, started a batch of Job pods, or (for a growing backlog)
 * was scaled to zero. Named as context, not as proof: the report says when it happened.
 */
export function withNeighbour(ctx: EngineContext, facts: ServiceFacts, verdict: Verdict): Verdict {
  const text = `${verdict.summary} ${verdict.statement}`;
  const shared = SHARED.find((s) => s.re.test(text));
  if (!shared) return verdict;
  const own = new Set([
    facts.service,
    facts.listing.workload?.name ?? '',
    ...facts.listing.pods.map((p) => p.ownerName ?? ''),
  ]);
  const now = ctx.now.getTime();
  const byWorkload = new Map<string, Change>();
  for (const e of facts.events) {
    const at = Date.parse(e.lastTimestamp ?? '');
    if (Number.isNaN(at) || at > now || now - at > WINDOW_MS) continue;
    const change = changeOf(e);
    if (!change || (change.stopped && !shared.stopped)) continue;
    const name = workloadOf(change.object);
    if (!name || own.has(name) || [...own].some((o) => o && name.startsWith(`${o}-`))) continue;
    const known = byWorkload.get(name);
    if (!known) byWorkload.set(name, { ...change, at: e.lastTimestamp ?? '' });
    else known.weight += change.weight;
  }
  const best = [...byWorkload.entries()].sort(
    (a, b) =>
      Number(b[1].stopped === shared.stopped) - Number(a[1].stopped === shared.stopped) ||
      b[1].weight - a[1].weight,
  )[0];
  if (!best) return verdict;
  const [name, change] = best;
  const [objectKind = '', objectName = ''] = change.object.split('/');
  const kind =
    objectKind === 'Job' && name !== objectName
      ? 'CronJob'
      : objectKind === 'ReplicaSet'
        ? 'Deployment'
        : objectKind;
  const note = ` In the same namespace, ${kind} ${name} ${change.what} at ${change.at}, shortly before: ${change.stopped ? 'what it consumed now piles up' : 'it competes for the same capacity'}.`;
  ctx.casebook.evidence.push({ source: 'kubernetes', detail: note.trim(), ref: change.object.toLowerCase() });
  return { ...verdict, statement: `${verdict.statement}${note}` };
}
