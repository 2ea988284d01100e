import type { EngineContext } from '../engine.js';
import { toolFor } from './capabilities.js';
import { analyzeLog, type LogAnalysis } from './log-analysis.js';
import { podProblems, type PodProblem } from './pod-findings.js';
import {
  readEvents,
  readLog,
  readPodListing,
  type EventInfo,
  type PodInfo,
  type PodListing,
} from './tool-data.js';

const MAX_PODS_READ = 3;
const LOG_TAIL = 500;

export interface PodLog {
  pod: string;
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
}

function relatedTo(e: EventInfo, listing: PodListing): boolean {
  const names = [...listing.pods.map((p) => p.name), ...(listing.workload ? [listing.workload.name] : [])];
  return Boolean(e.object && names.some((n) => e.object?.includes(n)));
}

/** Read pods, events and logs of one service: the same first look an engineer takes. */
export async function gatherFacts(
  ctx: EngineContext,
  service: string,
): Promise<ServiceFacts | { missing: PodListing } | { error: string }> {
  const names = ctx.tools.toolNames();
  const namespace = ctx.settings.namespace;
  const listPods = toolFor('listPods', names);
  if (!listPods) return { error: 'no tool to list pods is available' };
  const listed = await ctx.tools.call(listPods, { service, namespace });
  if (!listed.ok) return { error: `listing the pods of ${service} failed: ${listed.error ?? listed.text}` };
  const listing = readPodListing(listed.structured);
  if (listing.pods.length === 0) return { missing: listing };

  const problems = listing.pods.flatMap(podProblems).sort((a, b) => a.rank - b.rank);
  const eventsTool = toolFor('events', names);
  const [events, logs] = await Promise.all([
    eventsTool
      ? ctx.tools
          .call(eventsTool, { namespace, limit: 100 })
          .then((o) => (o.ok ? readEvents(o.structured) : []))
      : Promise.resolve([]),
    readLogs(ctx, listing.pods, problems),
  ]);
  return {
    service,
    namespace,
    listing,
    problems,
    events,
    related: events.filter((e) => relatedTo(e, listing)),
    logs,
  };
}

/** Logs of the most telling pods, problem pods first; the previous container too after a restart. */
async function readLogs(ctx: EngineContext, pods: PodInfo[], problems: PodProblem[]): Promise<PodLog[]> {
  const logTool = toolFor('podLogs', ctx.tools.toolNames());
  if (!logTool) return [];
  const troubled = new Set(problems.map((p) => p.pod));
  const chosen = [...pods]
    .filter(
      (p) =>
        p.phase !== 'Pending' &&
        !p.containers.every(
          (c) => c.state === 'waiting' && /Image|ContainerCreating|ConfigError/.test(c.reason ?? ''),
        ),
    )
    .sort((a, b) => Number(troubled.has(b.name)) - Number(troubled.has(a.name)))
    .slice(0, MAX_PODS_READ);
  const reads = chosen.flatMap((pod) => {
    const restarted = (pod.restarts ?? 0) > 0 || pod.containers.some((c) => c.lastTermination);
    return restarted
      ? [
          { pod, previous: false },
          { pod, previous: true },
        ]
      : [{ pod, previous: false }];
  });
  const results = await Promise.all(
    reads.map(async ({ pod, previous }) => ({
      pod,
      previous,
      outcome: await ctx.tools.call(logTool, {
        pod: pod.name,
        namespace: ctx.settings.namespace,
        tailLines: LOG_TAIL,
        previous,
      }),
    })),
  );
  return results
    .filter((r) => r.outcome.ok)
    .map(({ pod, previous, outcome }) => {
      const text = readLog(outcome.structured, outcome.text);
      return { pod: pod.name, previous, text, analysis: analyzeLog(text) };
    });
}
