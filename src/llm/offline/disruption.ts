import type { EngineContext } from '../engine.js';
import { readObject } from './cluster-read.js';
import { supersededRuns, type ServiceFacts } from './facts.js';
import { significantError } from './health.js';
import type { LogSignature } from './log-analysis.js';
import { UNREACHABLE } from './rules/signals.js';
import { at, condition, num } from './k8s-object.js';
import type { Verdict } from './rules/verdict.js';
import type { EventInfo, PodInfo } from './tool-data.js';

/**
 * Benign history: the pods were moved by node trouble (a drain or upgrade, a spot or preemptible
 * interruption, a node that went NotReady and was replaced), and everything the workload runs now
 * is up, or its Job completed on a retry. What the events remember is the episode, not a fault.
 */
export interface Disruption {
  /** `pods were evicted and rescheduled during a node drain/upgrade` */
  episode: string;
  /** The nodes involved, and the last time the episode was seen. */
  nodes: string[];
  lastSeen?: string;
  /** The pods of the episode (failed or evicted) that are history now. */
  gone: string[];
}

/** Reasons of events that a node going away leaves behind on its pods and on itself. */
const NODE_EPISODE =
  /^(NodeNotReady|NodeNotSchedulable|NodeSchedulable|RemovingNode|DeletingNode|NodeShutdown|Shutdown|Rebooted|Preempting|Preempted|PreemptionByScheduler|TaintManagerEviction|Evicted|Killing|SpotInterruption|Terminating|TerminatingEvictedPod|NodeTermination|NodeLost|Drain|Cordon|FailedScheduling|FailedAttachVolume|FailedMount|Unhealthy|NetworkNotReady|FailedCreatePodSandBox|BackOff|NodeReady|RegisteredNode|Starting|NodeAllocatableEnforced)$/;
const EPISODE_WORDS =
  /\b(spot|preempt\w*|interrupt\w*|drain\w*|cordon\w*|evict\w*|NotReady|node (?:was )?(?:shut ?down|deleted|removed|terminated|lost|upgrade\w*)|scale[- ]?down|being deleted|Marking for deletion|maintenance|rebooted)\b/i;
/** Pod phases and reasons a node taking its pods away leaves. */
const GONE_POD =
  /^(Evicted|Shutdown|NodeShutdown|Terminated|NodeLost|Preempting|UnexpectedAdmissionError|OutOfcpu|OutOfmemory)$/;
/** Container terminations a node stop causes: not the application's own exit. */
const NODE_STOP = /^(Unknown|ContainerStatusUnknown|Completed)$/;

function time(value: string | undefined): number {
  return value ? Date.parse(value) : Number.NaN;
}

function podUp(p: PodInfo): boolean {
  return (
    p.phase === 'Running' &&
    p.containers.length > 0 &&
    p.containers.every((c) => c.init || (c.ready === true && c.state === 'running'))
  );
}

function describe(words: string): string {
  if (/spot|preempt|interrupt/i.test(words))
    return 'a spot/preemptible node was interrupted and its pods were rescheduled onto other nodes';
  if (/drain|cordon|upgrade|maintenance|scale[- ]?down|being deleted|Marking for deletion/i.test(words))
    return 'pods were evicted and rescheduled during a node drain/upgrade';
  if (/evict/i.test(words)) return 'pods were evicted from a node and rescheduled';
  return 'a node went NotReady or was replaced, and its pods were rescheduled';
}

/**
 * The episode, when every pod the workload runs now is up on a node other than the troubled one
 * (or the node is back and the trouble older than `quietMs`), the Job completed, the logs are clean,
 * and every warning is of the episode's kinds. Null when anything else stands.
 */
export function benignDisruption(
  facts: ServiceFacts,
  now: Date,
  job?: { complete: boolean },
  quietMs = 10 * 60_000,
): Disruption | null {
  const stale = supersededRuns(facts.listing.pods);
  const pods = facts.listing.pods.filter((p) => !stale.has(p.name));
  const gone = pods.filter(
    (p) =>
      GONE_POD.test(p.reason ?? '') ||
      (p.phase === 'Failed' && EPISODE_WORDS.test(`${p.reason ?? ''} ${p.message ?? ''}`)) ||
      (job?.complete === true && p.phase === 'Failed'),
  );
  const current = pods.filter((p) => !gone.includes(p));
  const hereNow = new Set(current.map((p) => p.node).filter(Boolean));
  // The kubelet evicting for resource pressure is a fault while it lasts; only on a node the pods
  // have left, and long enough ago, is it history.
  const lastEvent = Math.max(
    0,
    ...facts.related.map((e) => time(e.lastTimestamp)).filter((t) => !Number.isNaN(t)),
  );
  const pressure = gone.filter((p) => /low on resource|exceeds|ephemeral/i.test(p.message ?? ''));
  if (
    pressure.some((p) => !p.node || hereNow.has(p.node)) ||
    (pressure.length && !(now.getTime() - lastEvent > quietMs))
  )
    return null;
  const isJob = job !== undefined;
  if (isJob ? !job.complete : !current.length || !current.every(podUp)) return null;
  if (isJob && !current.some((p) => p.phase === 'Succeeded') && current.some((p) => p.phase !== 'Succeeded'))
    return null;
  // A container the node's stop restarted is fine; one that crashed on its own is not.
  if (
    current.some((p) =>
      p.containers.some((c) => c.restartCount && !NODE_STOP.test(c.lastTermination?.reason ?? '')),
    )
  )
    return null;
  const nodeEvents = facts.events.filter((e) => e.object?.startsWith('Node/'));
  const episode: EventInfo[] = [];
  for (const e of [...facts.related, ...nodeEvents]) {
    const onNode = e.object?.startsWith('Node/') ? e.object.slice(5) : undefined;
    const ofEpisode = NODE_EPISODE.test(e.reason ?? '') || EPISODE_WORDS.test(e.message ?? '');
    if (e.type !== 'Warning' && !ofEpisode) continue;
    if (!ofEpisode) return null;
    // A warning about a node the pods still run on is history only once it is quiet.
    if (onNode && hereNow.has(onNode) && !(now.getTime() - time(e.lastTimestamp) > quietMs)) return null;
    if (!onNode) {
      const pod = e.object?.split('/').at(-1);
      const stillHere = current.some((p) => p.name === pod);
      // A pod that runs now has left scheduling and mounting behind; a warning of its probe or a
      // backoff must be old, since it may be the incident itself.
      const overByNow =
        /^(FailedScheduling|FailedAttachVolume|FailedMount|FailedCreatePodSandBox|NetworkNotReady)$/.test(
          e.reason ?? '',
        );
      if (
        stillHere &&
        e.type === 'Warning' &&
        !overByNow &&
        !(now.getTime() - time(e.lastTimestamp) > quietMs)
      )
        return null;
    }
    episode.push(e);
  }
  const signal = [
    ...episode.map((e) => `${e.reason ?? ''} ${e.message ?? ''}`),
    ...gone.map((p) => `${p.reason ?? ''} ${p.message ?? ''}`),
  ].join(' ');
  const moved =
    gone.length > 0 ||
    episode.some(
      (e) =>
        EPISODE_WORDS.test(`${e.reason ?? ''} ${e.message ?? ''}`) ||
        /^Node|Evicted|Preempt|TaintManager|Shutdown/.test(e.reason ?? ''),
    );
  if (!moved) return null;
  // The logs of what runs now must be clean since.
  const running = new Set(current.map((p) => p.name));
  const last = Math.max(...episode.map((e) => time(e.lastTimestamp)).filter((t) => !Number.isNaN(t)), 0);
  for (const log of facts.logs.filter((l) => running.has(l.pod) && !l.previous)) {
    const failing = (x: LogSignature) =>
      significantError(x, log) ||
      (x.kind === 'warning' && x.count >= 3 && UNREACHABLE.test(`${x.message} ${x.sample}`));
    for (const s of log.analysis.signatures.filter(failing)) {
      const at = time(s.lastAt);
      // Errors of the move itself are tolerated; errors that go on until now are not.
      if (Number.isNaN(at) || !last || at > last + quietMs || now.getTime() - at < quietMs / 2) return null;
    }
  }
  const nodes = [
    ...new Set([
      ...episode.map((e) => (e.object?.startsWith('Node/') ? e.object.slice(5) : '')),
      ...gone.map((p) => p.node ?? ''),
    ]),
  ].filter(Boolean);
  return {
    episode: describe(signal),
    nodes,
    ...(last ? { lastSeen: new Date(last).toISOString() } : {}),
    gone: gone.map((p) => p.name),
  };
}

/** A Job target's completion (Complete condition, or enough succeeded pods); undefined for other workloads. */
export async function jobCompletion(
  ctx: EngineContext,
  facts: ServiceFacts,
): Promise<{ complete: boolean } | undefined> {
  const workload = facts.listing.workload;
  if (workload?.kind !== 'Job') return undefined;
  const job = await readObject(ctx, 'Job', workload.name, facts.namespace);
  if (!job) return { complete: false };
  const wanted = num(at(job, 'spec', 'completions')) ?? 1;
  const complete =
    condition(job, 'Complete')?.status === 'True' || (num(at(job, 'status', 'succeeded')) ?? 0) >= wanted;
  return { complete };
}

/** Healthy, with the episode said in plain words. */
export function disruptionVerdict(ctx: EngineContext, facts: ServiceFacts, d: Disruption): Verdict {
  const when = d.lastSeen ? ` at ${d.lastSeen}` : '';
  const where = d.nodes.length ? ` (node ${d.nodes.join(', ')})` : '';
  const job = facts.listing.workload?.kind === 'Job';
  const now = job
    ? 'the Job completed on a retry'
    : `all ${facts.listing.pods.length - d.gone.length} pod(s) running and ready since`;
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    detail: `Past node disruption${where}${when}: ${d.episode}${d.gone.length ? ` (${d.gone.join(', ')} left behind)` : ''}; ${now}.`,
  });
  return {
    status: 'healthy',
    summary: `${facts.service} is healthy: ${d.episode}${where}${when}; ${now}.`,
    statement: `No current fault: ${d.episode}${where}${when}; ${now}. This was a node episode, not a fault of ${facts.service}.`,
    confidence: 'medium',
    fix: 'Nothing to fix in the service. If node interruptions recur, spread replicas across nodes (PodDisruptionBudget, topology spread) so they ride through them.',
  };
}
