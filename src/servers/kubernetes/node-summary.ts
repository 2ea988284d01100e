import type { V1Node, V1Pod } from '@kubernetes/client-node';

import { isoTime } from './pod-summary.js';
import { formatBytes, formatCores, parseQuantity } from './quantity.js';

export interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** A pod's share of a node, summed over its containers. */
export interface NodePodUsage {
  namespace: string;
  name: string;
  phase: string;
  memoryRequest: string;
  memoryLimit: string;
  cpuRequest: string;
  /** True when some container has no memory limit: it may grow until the node runs short. */
  unlimitedMemory: boolean;
}

export interface NodeSummary {
  name: string;
  ready: boolean;
  unschedulable: boolean;
  kubeletVersion?: string;
  conditions: NodeCondition[];
  capacity: Record<'cpu' | 'memory' | 'pods', string>;
  allocatable: Record<'cpu' | 'memory' | 'pods', string>;
  /** `key=value:Effect` */
  taints: string[];
  /** Pods of the allowed namespaces only, largest memory limit first. */
  pods: NodePodUsage[];
  podTotals: {
    count: number;
    memoryRequests: string;
    memoryLimits: string;
    cpuRequests: string;
    /** Percentages of the node's allocatable memory; over 100 means over-committed. */
    memoryRequestsPercent?: number;
    memoryLimitsPercent?: number;
  };
}

/** The conditions every kubelet reports, in the order a reader checks them. */
const mainConditions = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];

/** Whether a condition is in its healthy state: Ready=True, every other condition False. */
export function isHealthyCondition(condition: NodeCondition): boolean {
  return condition.type === 'Ready' ? condition.status === 'True' : condition.status === 'False';
}

/** The facts of a node, with the pods (already filtered to allowed namespaces) that run on it. */
export function summariseNode(node: V1Node, podsOnNode: readonly V1Pod[]): NodeSummary {
  const conditions = (node.status?.conditions ?? [])
    .map((condition): NodeCondition => {
      const since = isoTime(condition.lastTransitionTime);
      return {
        type: condition.type,
        status: condition.status,
        ...(condition.reason ? { reason: condition.reason } : {}),
        ...(condition.message ? { message: condition.message } : {}),
        ...(since ? { lastTransitionTime: since } : {}),
      };
    })
    .sort((a, b) => rank(a.type) - rank(b.type));
  const pick = (values: Record<string, string> | undefined) => ({
    cpu: values?.['cpu'] ?? '?',
    memory: values?.['memory'] ?? '?',
    pods: values?.['pods'] ?? '?',
  });
  const usage = podsOnNode.map(podUsage);
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const memoryRequests = sum(usage.map((u) => u.bytes.request));
  const memoryLimits = sum(usage.map((u) => u.bytes.limit));
  const allocatableMemory = parseQuantity(node.status?.allocatable?.['memory']);
  const percent = (bytes: number) =>
    allocatableMemory ? Math.round((bytes / allocatableMemory) * 100) : undefined;
  const requestsPercent = percent(memoryRequests);
  const limitsPercent = percent(memoryLimits);
  const kubeletVersion = node.status?.nodeInfo?.kubeletVersion;
  return {
    name: node.metadata?.name ?? '',
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    unschedulable: node.spec?.unschedulable ?? false,
    ...(kubeletVersion ? { kubeletVersion } : {}),
    conditions,
    capacity: pick(node.status?.capacity),
    allocatable: pick(node.status?.allocatable),
    taints: (node.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
    pods: usage
      .sort((a, b) => b.bytes.limit - a.bytes.limit || b.bytes.request - a.bytes.request)
      .map((u) => u.summary),
    podTotals: {
      count: usage.length,
      memoryRequests: formatBytes(memoryRequests),
      memoryLimits: formatBytes(memoryLimits),
      cpuRequests: formatCores(sum(usage.map((u) => u.cpuRequest))),
      ...(requestsPercent !== undefined ? { memoryRequestsPercent: requestsPercent } : {}),
      ...(limitsPercent !== undefined ? { memoryLimitsPercent: limitsPercent } : {}),
    },
  };
}

function rank(type: string): number {
  const index = mainConditions.indexOf(type);
  return index < 0 ? mainConditions.length : index;
}

function podUsage(pod: V1Pod): {
  summary: NodePodUsage;
  bytes: { request: number; limit: number };
  cpuRequest: number;
} {
  const containers = pod.spec?.containers ?? [];
  const total = (pick: (c: (typeof containers)[number]) => string | undefined) =>
    containers.reduce((sum, container) => sum + (parseQuantity(pick(container)) ?? 0), 0);
  const request = total((c) => c.resources?.requests?.['memory']);
  const limit = total((c) => c.resources?.limits?.['memory']);
  const cpuRequest = total((c) => c.resources?.requests?.['cpu']);
  return {
    summary: {
      namespace: pod.metadata?.namespace ?? '',
      name: pod.metadata?.name ?? '',
      phase: pod.status?.phase ?? 'Unknown',
      memoryRequest: formatBytes(request),
      memoryLimit: formatBytes(limit),
      cpuRequest: formatCores(cpuRequest),
      unlimitedMemory: containers.some((c) => !c.resources?.limits?.['memory']),
    },
    bytes: { request, limit },
    cpuRequest,
  };
}
