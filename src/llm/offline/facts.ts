import type { EngineContext } from '../engine.js';
import { toolFor } from './capabilities.js';
import { failureReason, noteGap, outOfScope } from './gaps.js';
import { analyzeLog, type LogAnalysis } from './log-analysis.js';
import { podProblems, type PodProblem } from './pod-findings.js';
import {
  readEvents,
  readLog,
  readPodListing,
  type EventInfo,
  type PodContainer,
  type PodInfo,
  type PodListing,
} from './tool-data.js';

const MAX_PODS_READ = 3;
const LOG_TAIL = 500;

export interface PodLog {
  pod: string;
  /** Set when the log is of a named container (an init container), not the pod's main one. */
  container?: string;
  previous: boolean;
  text: string;
  analysis: LogAnalysis;
}

/** What the first look at a service shows: its pods, their problems, events and logs. */
export interface ServiceFacts {
  service: string;
  namespace: string;
  listing: PodListing;
  problems: PodProblem[];
  /** Every event of the namespace (and cluster-scoped ones the tool returns), newest first. */
  events: EventInfo[];
  /** Events about this service's pods, ReplicaSets or workload. */
  related: EventInfo[];
  logs: PodLog[];
  /** False when a log read the investigation wanted failed: the logs are not the whole story. */
  logsComplete: boolean;
}

/** The names whose events concern this service: its pods, its workload, the controllers between. */
function ownNames(listing: PodListing): string[] {
  return [
    ...listing.pods.map((p) => p.name),
    ...listing.pods.map((p) => p.ownerName ?? ''),
    listing.workload?.name ?? '',
  ].filter(Boolean);
}

function relatedTo(e: EventInfo, names: readonly string[]): boolean {
  const object = e.object?.split('/').at(-1) ?? '';
  return Boolean(object && names.some((n) => object === n || object.startsWith(`${n}-`)));
}

/** Read pods, events and logs of one service: the same first look an engineer takes. */
export async function gatherFacts(
  ctx: EngineContext,
  service: string,
  namespace = ctx.settings.namespace,
): Promise<ServiceFacts | { missing: PodListing } | { error: string }> {
  const names = ctx.tools.toolNames();
  const listPods = toolFor('listPods', names);
  if (!listPods) {
    noteGap(ctx, `the pods of ${service}`, 'no connected Kubernetes server offers a tool to list pods');
    return { error: 'no tool to list pods is available' };
  }
  const listed = await ctx.tools.call(listPods, { service, namespace });
  if (!listed.ok) {
    const reason = failureReason(listed);
    noteGap(
      ctx,
      `the pods of ${service} in namespace ${namespace}`,
      outOfScope(reason) ? `namespace ${namespace} is outside the run's scope` : reason,
    );
    return { error: `listing the pods of ${service} failed: ${reason}` };
  }
  const listing = readPodListing(listed.structured);
  // A workload with no pods is still a target: its controller's events say why it has none.
  if (listing.pods.length === 0 && !listing.workload) return { missing: listing };
  return factsFor(ctx, service, namespace, listing);
}

/**
 * The controller that runs pods found through a Service or a label: the Deployment behind their
 * ReplicaSet (its name minus the pod-template-hash), or their StatefulSet, DaemonSet, Job.
 */
export function controllerOf(listing: PodListing): PodListing['workload'] {
  if (listing.workload && listing.workload.kind !== 'Service') return listing.workload;
  const pod = listing.pods.find((p) => p.ownerKind);
  return (pod && podController(pod)) ?? listing.workload;
}

/**
 * The controller of one pod: a service's label can span several Deployments (a web and a worker),
 * and a fault in one pod belongs to that pod's own Deployment.
 */
export function podController(pod: PodInfo): PodListing['workload'] | undefined {
  if (!pod.ownerName) return undefined;
  const hash = pod.labels['pod-template-hash'];
  if (pod.ownerKind === 'ReplicaSet' && hash && pod.ownerName.endsWith(`-${hash}`))
    return { kind: 'Deployment', name: pod.ownerName.slice(0, -hash.length - 1) };
  return pod.ownerKind === 'ReplicaSet'
    ? undefined
    : { kind: pod.ownerKind ?? 'Workload', name: pod.ownerName };
}

/**
 * Pods of Job runs that a later success has made history: a CronJob run (`<cronjob>-<scheduled
 * minute>`) older than a run that completed, or a failed attempt of a Job whose retry succeeded.
 * Their failure is over; they stay listed only until the history limit removes them.
 */
export function supersededRuns(pods: readonly PodInfo[]): Set<string> {
  const run = (p: PodInfo) => p.ownerName?.match(/^(.*)-(\d{8,10})$/);
  const lastSuccess = new Map<string, number>();
  const succeededJobs = new Set<string>();
  for (const p of pods) {
    if (p.ownerKind !== 'Job' || p.phase !== 'Succeeded') continue;
    succeededJobs.add(p.ownerName ?? '');
    const m = run(p);
    if (m) lastSuccess.set(m[1] as string, Math.max(lastSuccess.get(m[1] as string) ?? 0, Number(m[2])));
  }
  return new Set(
    pods
      .filter((p) => {
        if (p.ownerKind !== 'Job' || p.phase !== 'Failed') return false;
        if (succeededJobs.has(p.ownerName ?? '')) return true;
        const m = run(p);
        return m ? Number(m[2]) < (lastSuccess.get(m[1] as string) ?? 0) : false;
      })
      .map((p) => p.name),
  );
}

/** The newest run that completed after the superseded ones failed: the evidence that they are over. */
export function lastSuccessfulRun(pods: readonly PodInfo[]): PodInfo | undefined {
  return pods
    .filter((p) => p.ownerKind === 'Job' && p.phase === 'Succeeded')
    .sort((a, b) => (b.startTime ?? '').localeCompare(a.startTime ?? ''))[0];
}

/** Events and logs for a listing already in hand. */
export async function factsFor(
  ctx: EngineContext,
  service: string,
  namespace: string,
  found: PodListing,
): Promise<ServiceFacts> {
  const listing = { ...found, workload: controllerOf(found) };
  const stale = supersededRuns(listing.pods);
  const problems = listing.pods
    .filter((p) => !stale.has(p.name))
    .flatMap(podProblems)
    .sort((a, b) => a.rank - b.rank);
  const [events, logs] = await Promise.all([
    readNamespaceEvents(ctx, namespace),
    // A superseded run's log is history: its errors would read as the incident.
    readLogs(
      ctx,
      namespace,
      listing.pods.filter((p) => !stale.has(p.name)),
      problems,
    ),
  ]);
  const own = ownNames(listing);
  return {
    service,
    namespace,
    listing,
    problems,
    events,
    related: events.filter((e) => relatedTo(e, own)),
    logs: logs.logs,
    logsComplete: logs.complete,
  };
}

async function readNamespaceEvents(ctx: EngineContext, namespace: string): Promise<EventInfo[]> {
  const tool = toolFor('events', ctx.tools.toolNames());
  if (!tool) {
    noteGap(
      ctx,
      `events of namespace ${namespace}`,
      'no connected Kubernetes server offers a tool to list events',
    );
    return [];
  }
  const outcome = await ctx.tools.call(tool, { namespace, limit: 100 });
  if (!outcome.ok) {
    noteGap(ctx, `events of namespace ${namespace}`, failureReason(outcome));
    return [];
  }
  return readEvents(outcome.structured);
}

interface LogRead {
  pod: PodInfo;
  container?: string;
  previous: boolean;
}

/** An init container that ran and failed: its own log says why the pod cannot start. */
function failedInit(c: PodContainer): boolean {
  return Boolean(
    c.init &&
    ((c.state === 'terminated' && c.exitCode !== 0) ||
      (c.lastTermination && c.lastTermination.exitCode !== 0) ||
      (c.restartCount ?? 0) > 0),
  );
}

/** A main container that never started: there is no log to read (the API answers "waiting to start"). */
function neverStarted(pod: PodInfo): boolean {
  return pod.containers
    .filter((c) => !c.init)
    .every(
      (c) =>
        c.state === 'waiting' &&
        !c.lastTermination &&
        (c.restartCount ?? 0) === 0 &&
        /Image|ContainerCreating|ConfigError|PodInitializing|NotCreated|CreateContainerError/.test(
          c.reason ?? '',
        ),
    );
}

/** Logs of the most telling pods, problem pods first; the previous container too after a restart. */
async function readLogs(
  ctx: EngineContext,
  namespace: string,
  pods: PodInfo[],
  problems: PodProblem[],
): Promise<{ logs: PodLog[]; complete: boolean }> {
  const logTool = toolFor('podLogs', ctx.tools.toolNames());
  if (!pods.length) return { logs: [], complete: true };
  if (!logTool) {
    noteGap(
      ctx,
      `logs of ${pods[0]?.name ?? 'the pods'}`,
      'no connected Kubernetes server offers a tool to read pod logs',
    );
    return { logs: [], complete: false };
  }
  const troubled = new Set(problems.map((p) => p.pod));
  // Troubled pods first, the newest among them first: a Job's last attempt says most.
  const ranked = [...pods].sort(
    (a, b) =>
      Number(troubled.has(b.name)) - Number(troubled.has(a.name)) ||
      (b.startTime ?? '').localeCompare(a.startTime ?? ''),
  );
  const chosen = ranked.slice(0, MAX_PODS_READ);
  // A Job's retries may fail on what its first attempt left behind: that attempt is read too.
  const firstAttempt = pods
    .filter((p) => p.ownerKind === 'Job' && p.phase === 'Failed')
    .sort((a, b) => (a.startTime ?? '').localeCompare(b.startTime ?? ''))[0];
  if (firstAttempt && !chosen.includes(firstAttempt)) chosen.push(firstAttempt);
  const reads: LogRead[] = [];
  for (const pod of chosen) {
    // An init container still running (a wait-for loop) holds the pod in Init: its log says what it waits on.
    for (const init of pod.containers.filter((c) => failedInit(c) || (c.init && c.state === 'running'))) {
      reads.push({ pod, container: init.name, previous: false });
      if ((init.restartCount ?? 0) > 0 && init.state !== 'terminated')
        reads.push({ pod, container: init.name, previous: true });
    }
    if (pod.phase === 'Pending' || neverStarted(pod)) continue;
    const restarted = (pod.restarts ?? 0) > 0 || pod.containers.some((c) => !c.init && c.lastTermination);
    reads.push({ pod, previous: false });
    if (restarted) reads.push({ pod, previous: true });
  }
  const results = await Promise.all(
    reads.map(async (read) => ({
      ...read,
      outcome: await ctx.tools.call(logTool, {
        pod: read.pod.name,
        namespace,
        tailLines: LOG_TAIL,
        previous: read.previous,
        ...(read.container ? { container: read.container } : {}),
      }),
    })),
  );
  let complete = true;
  const logs: PodLog[] = [];
  for (const { pod, container, previous, outcome } of results) {
    if (outcome.ok) {
      const text = readLog(outcome.structured, outcome.text);
      logs.push({
        pod: pod.name,
        ...(container ? { container } : {}),
        previous,
        text,
        analysis: analyzeLog(text),
      });
      continue;
    }
    const reason = failureReason(outcome);
    // A container that has not started, or has no earlier instance, has no such log: that is a fact.
    if (
      /waiting to start|previous terminated container|no previous instance|not found for the container|PodInitializing|ContainerCreating/i.test(
        reason,
      )
    )
      continue;
    // A pod the kubelet evicted or a node shutdown ended has no containers left to read: a fact too.
    if (/^(Evicted|Shutdown|NodeShutdown|Terminated|NodeLost)$/.test(pod.reason ?? '')) continue;
    complete = false;
    noteGap(
      ctx,
      `${previous ? 'previous ' : ''}logs of pod ${pod.name}${container ? ` container ${container}` : ''}`,
      reason,
    );
  }
  return { logs, complete };
}
