/** The shapes the offline engine reads from tool results, parsed defensively: servers may differ. */
export interface PodContainer {
  name: string;
  /** An init container that has not completed. */
  init?: boolean;
  image?: string;
  /** The pulled image's digest reference (`repo@sha256:…`), as the container status reports it. */
  imageID?: string;
  ready?: boolean;
  restartCount?: number;
  state?: string;
  reason?: string;
  message?: string;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  lastTermination?: {
    reason?: string;
    exitCode?: number;
    startedAt?: string;
    finishedAt?: string;
    message?: string;
  };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface PodInfo {
  name: string;
  phase?: string;
  /** Pod-level reason and message, e.g. Evicted and "The node was low on resource: memory". */
  reason?: string;
  message?: string;
  ready?: string;
  restarts?: number;
  node?: string;
  /** The controller that owns the pod (`ReplicaSet`, `StatefulSet`, `Job`…); none for a bare pod. */
  ownerKind?: string;
  ownerName?: string;
  labels: Record<string, string>;
  startTime?: string;
  /** Being deleted since `since`, held by `finalizers` (none: only the kubelet has to confirm). */
  terminating?: { since: string; gracePeriodSeconds?: number; finalizers: string[] };
  containers: PodContainer[];
  conditions: { type: string; status: string; reason?: string; message?: string }[];
}

export interface PodListing {
  namespace?: string;
  workload: { kind: string; name: string } | null;
  matchedBy?: string;
  pods: PodInfo[];
  closestServices: string[];
}

export interface EventInfo {
  type?: string;
  reason?: string;
  object?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
}

export interface CommitInfo {
  sha: string;
  message?: string;
  author?: string;
  date?: string;
  url?: string;
}

/** A commit as the report names a suspect: what it is, who made it, when (not its files or diff). */
export function suspectOf(c: CommitInfo): { sha: string; message?: string; author?: string; date?: string } {
  return { sha: c.sha, message: c.message, author: c.author, date: c.date };
}

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const n = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function terminatingOf(value: unknown): Pick<PodInfo, 'terminating'> {
  const t = obj(value);
  const since = s(t.since);
  if (!since) return {};
  const grace = n(t.gracePeriodSeconds);
  return {
    terminating: {
      since,
      ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
      finalizers: arr(t.finalizers).filter((x): x is string => typeof x === 'string'),
    },
  };
}

export function readPodListing(data: Record<string, unknown> | undefined): PodListing {
  const d = obj(data);
  const workload = obj(d.workload);
  return {
    namespace: s(d.namespace),
    workload: s(workload.name)
      ? { kind: s(workload.kind) ?? 'Workload', name: s(workload.name) as string }
      : null,
    matchedBy: s(d.matchedBy),
    closestServices: arr(d.closestServices).filter((x): x is string => typeof x === 'string'),
    pods: arr(d.pods).map((p) => {
      const pod = obj(p);
      return {
        name: s(pod.name) ?? '?',
        phase: s(pod.phase),
        reason: s(pod.reason),
        message: s(pod.message),
        ready: s(pod.ready),
        restarts: n(pod.restarts),
        node: s(pod.node),
        ownerKind: s(pod.ownerKind),
        ownerName: s(pod.ownerName),
        labels: stringMap(pod.labels) ?? {},
        startTime: s(pod.startTime),
        ...terminatingOf(pod.terminating),
        conditions: arr(pod.conditions).map((c) => {
          const o = obj(c);
          return {
            type: s(o.type) ?? '',
            status: s(o.status) ?? '',
            reason: s(o.reason),
            message: s(o.message),
          };
        }),
        containers: arr(pod.containers).map((c) => {
          const o = obj(c);
          const last = obj(o.lastTermination);
          return {
            name: s(o.name) ?? '?',
            ...(o.init === true ? { init: true } : {}),
            image: s(o.image),
            ...(s(o.imageID) ? { imageID: s(o.imageID) } : {}),
            ready: typeof o.ready === 'boolean' ? o.ready : undefined,
            restartCount: n(o.restartCount),
            state: s(o.state),
            reason: s(o.reason),
            message: s(o.message),
            exitCode: n(o.exitCode),
            startedAt: s(o.startedAt),
            finishedAt: s(o.finishedAt),
            resources: readResources(o.resources),
            lastTermination: Object.keys(last).length
              ? {
                  reason: s(last.reason),
                  exitCode: n(last.exitCode),
                  startedAt: s(last.startedAt),
                  finishedAt: s(last.finishedAt),
                  message: s(last.message),
                }
              : undefined,
          };
        }),
      };
    }),
  };
}

function stringMap(v: unknown): Record<string, string> | undefined {
  const o = obj(v);
  const entries = Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string');
  return entries.length ? Object.fromEntries(entries) : undefined;
}

function readResources(v: unknown): PodContainer['resources'] {
  const o = obj(v);
  const requests = stringMap(o.requests);
  const limits = stringMap(o.limits);
  return requests || limits ? { requests, limits } : undefined;
}

export function readEvents(data: Record<string, unknown> | undefined): EventInfo[] {
  return arr(obj(data).events).map((e) => {
    const o = obj(e);
    return {
      type: s(o.type),
      reason: s(o.reason),
      object: s(o.object),
      message: s(o.message),
      count: n(o.count),
      lastTimestamp: s(o.lastTimestamp),
    };
  });
}

export function readLog(data: Record<string, unknown> | undefined, text: string): string {
  return s(obj(data).log) ?? text.split('\n').slice(1).join('\n');
}

export function readSearchPaths(data: Record<string, unknown> | undefined): { path: string; url?: string }[] {
  return arr(obj(data).items)
    .map((i) => ({ path: s(obj(i).path) ?? '', url: s(obj(i).url) ?? s(obj(i).html_url) }))
    .filter((i) => i.path);
}

export function readFile(
  data: Record<string, unknown> | undefined,
): { path: string; url?: string; content: string; startLine: number } | null {
  const d = obj(data);
  const content = s(d.content);
  if (content === undefined) return null;
  return { path: s(d.path) ?? '', url: s(d.url), content, startLine: n(d.startLine) ?? 1 };
}

export function readCommits(data: Record<string, unknown> | undefined): CommitInfo[] {
  return arr(obj(data).commits)
    .map((c) => {
      const o = obj(c);
      return {
        sha: s(o.sha) ?? '',
        message: s(o.message),
        author: s(o.author),
        date: s(o.date),
        url: s(o.url),
      };
    })
    .filter((c) => c.sha);
}
