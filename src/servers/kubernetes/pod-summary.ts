import type { V1Container, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

import { ownerOf } from './owner-reference.js';

export interface ContainerSummary {
  name: string;
  image: string;
  /**
   * The digest the kubelet actually pulled (`status.containerStatuses[].imageID`), when reported:
   * pods of one workload on the same tag but different digests run different builds.
   */
  imageID?: string;
  /** True for an init container; only init containers that have not completed are listed. */
  init?: boolean;
  ready: boolean;
  restartCount: number;
  state: 'running' | 'waiting' | 'terminated';
  reason?: string;
  message?: string;
  exitCode?: number;
  startedAt?: string;
  /** Set when the current state is `terminated`. */
  finishedAt?: string;
  lastTermination?: {
    reason: string;
    exitCode: number;
    startedAt?: string;
    finishedAt?: string;
    message?: string;
  };
  /** Always both maps, empty when unset: a missing memory limit is itself a finding. */
  resources: { requests: Record<string, string>; limits: Record<string, string> };
}

export interface PodSummary {
  name: string;
  phase: string;
  /** Pod-level reason, e.g. `Evicted`. */
  reason?: string;
  message?: string;
  /** Ready containers over all containers, as kubectl shows it: "1/1". */
  ready: string;
  restarts: number;
  node?: string;
  podIP?: string;
  /** The controller that owns the pod (`ReplicaSet`, `StatefulSet`, `Job`, …), if any. */
  ownerKind?: string;
  ownerName?: string;
  startTime?: string;
  age?: string;
  labels: Record<string, string>;
  containers: ContainerSummary[];
  /** Set once the pod is being deleted: since when, and the finalizers that still hold it. */
  terminating?: { since: string; gracePeriodSeconds?: number; finalizers: string[] };
  /** Only the conditions that are not True: the ones that explain trouble. */
  conditions: { type: string; status: string; reason?: string; message?: string }[];
}

/** ISO 8601 of a timestamp the client deserialised, or undefined when absent or unparseable. */
export function isoTime(value: Date | string | null | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  // The client turns a JSON `null` timestamp (events with only `eventTime`) into the epoch.
  if (Number.isNaN(date.getTime()) || date.getTime() === 0) return undefined;
  // Whole seconds read better; Kubernetes timestamps rarely carry more.
  return date.toISOString().replace('.000Z', 'Z');
}

/** A kubectl-style age: `45s`, `12m`, `3h12m`, `2d4h`. */
export function formatAge(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${minutes % 60 ? `${minutes % 60}m` : ''}`;
  const days = Math.floor(hours / 24);
  return `${days}d${hours % 24 ? `${hours % 24}h` : ''}`;
}

/** The facts about a pod that matter when diagnosing it, in a stable, compact shape. */
export function summarisePod(pod: V1Pod, now: Date): PodSummary {
  const specContainers = pod.spec?.containers ?? [];
  const statuses = pod.status?.containerStatuses ?? [];
  const containers = specContainers.map((container) =>
    summariseContainer(
      container,
      statuses.find((status) => status.name === container.name),
    ),
  );
  const initStatuses = pod.status?.initContainerStatuses ?? [];
  const pendingInit = (pod.spec?.initContainers ?? [])
    .map((container) =>
      summariseContainer(
        container,
        initStatuses.find((status) => status.name === container.name),
      ),
    )
    .filter((container) => !(container.state === 'terminated' && container.exitCode === 0))
    .map((container) => ({ ...container, init: true }));
  const startTime = isoTime(pod.status?.startTime);
  const startedMs = startTime ? now.getTime() - Date.parse(startTime) : undefined;
  return {
    name: pod.metadata?.name ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    ...(pod.status?.reason ? { reason: pod.status.reason } : {}),
    ...(pod.status?.message ? { message: pod.status.message } : {}),
    ready: `${containers.filter((container) => container.ready).length}/${containers.length}`,
    restarts: containers.reduce((sum, container) => sum + container.restartCount, 0),
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    ...(pod.status?.podIP ? { podIP: pod.status.podIP } : {}),
    ...ownerOf(pod.metadata?.ownerReferences),
    ...(startTime ? { startTime } : {}),
    // A scenario's clock may lie ahead of the machine's: no negative ages.
    ...(startedMs !== undefined && startedMs >= 0 ? { age: formatAge(startedMs) } : {}),
    labels: pod.metadata?.labels ?? {},
    ...terminatingOf(pod),
    containers: [...pendingInit, ...containers],
    conditions: (pod.status?.conditions ?? [])
      .filter((condition) => condition.status !== 'True')
      .map((condition) => ({
        type: condition.type,
        status: condition.status,
        ...(condition.reason ? { reason: condition.reason } : {}),
        ...(condition.message ? { message: condition.message } : {}),
      })),
  };
}

/** `metadata.deletionTimestamp` and the finalizers a pod being deleted still waits for. */
function terminatingOf(pod: V1Pod): Pick<PodSummary, 'terminating'> {
  const since = isoTime(pod.metadata?.deletionTimestamp);
  if (!since) return {};
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  return {
    terminating: {
      since,
      ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
      finalizers: pod.metadata?.finalizers ?? [],
    },
  };
}

function summariseContainer(container: V1Container, status: V1ContainerStatus | undefined): ContainerSummary {
  const summary: ContainerSummary = {
    name: container.name,
    image: status?.image ?? container.image ?? '',
    ...(status?.imageID ? { imageID: status.imageID } : {}),
    ready: status?.ready ?? false,
    restartCount: status?.restartCount ?? 0,
    ...currentState(status),
    resources: {
      requests: { ...container.resources?.requests },
      limits: { ...container.resources?.limits },
    },
  };
  const last = status?.lastState?.terminated;
  if (last) {
    const finishedAt = isoTime(last.finishedAt);
    // How long the container ran before it ended: minutes means a crash, hours a slow leak.
    const startedAt = isoTime(last.startedAt);
    summary.lastTermination = {
      reason: last.reason ?? 'Terminated',
      exitCode: last.exitCode,
      ...(startedAt ? { startedAt } : {}),
      ...(finishedAt ? { finishedAt } : {}),
      ...(last.message ? { message: last.message } : {}),
    };
  }
  return summary;
}

type ContainerState = Pick<
  ContainerSummary,
  'state' | 'reason' | 'message' | 'exitCode' | 'startedAt' | 'finishedAt'
>;

function currentState(status: V1ContainerStatus | undefined): ContainerState {
  const state = status?.state;
  if (state?.running) {
    const startedAt = isoTime(state.running.startedAt);
    return { state: 'running', ...(startedAt ? { startedAt } : {}) };
  }
  if (state?.terminated) {
    const { reason, message, exitCode } = state.terminated;
    const startedAt = isoTime(state.terminated.startedAt);
    const finishedAt = isoTime(state.terminated.finishedAt);
    return {
      state: 'terminated',
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
      exitCode,
      ...(startedAt ? { startedAt } : {}),
      ...(finishedAt ? { finishedAt } : {}),
    };
  }
  if (state?.waiting) {
    const { reason, message } = state.waiting;
    return { state: 'waiting', ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
  }
  // No status yet: the container has not been created (pod unscheduled or pulling).
  return { state: 'waiting', reason: 'NotCreated', message: 'no container status reported yet' };
}
