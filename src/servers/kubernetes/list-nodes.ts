import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeKubernetesError } from './api-error.js';
import type { KubernetesServerDeps } from './deps.js';
import { isHealthyCondition, summariseNode, type NodeSummary } from './node-summary.js';
import { formatBytes, parseQuantity } from './quantity.js';

export type { NodeCondition, NodePodUsage, NodeSummary } from './node-summary.js';

/** Pods listed per node; the rest are counted in the totals. */
const maxPodsPerNode = 15;
/** Names listed of the nodes summarised in one line. */
const maxQuietNames = 20;

/** The structured answer of `list_nodes`. */
export interface ListNodesOutput {
  nodes: NodeSummary[];
  /** The namespaces whose pods are shown and counted; pods of others are never read. */
  podNamespaces: string[];
  notes?: string[];
}

/** Registers `list_nodes`: node health, capacity, taints and the memory the allowed pods reserve on each. */
export function registerListNodesTool(server: McpServer, deps: KubernetesServerDeps): void {
  server.registerTool(
    'list_nodes',
    {
      title: 'List nodes and their pressure',
      description:
        'Cluster nodes: conditions not in their healthy state (with reason and since when), allocatable ' +
        "cpu/memory, taints, and the memory requests and limits of the allowed namespaces' pods on each node " +
        'as a share of allocatable (limits over 100% = over-committed). For OOMKilled, Evicted, Pending pods ' +
        'or NotReady nodes.',
      inputSchema: {},
      annotations: readOnlyToolAnnotations,
    },
    async () => {
      let nodes: V1Node[];
      try {
        nodes = (await deps.core.listNode()).items;
      } catch (error) {
        return toolError(
          `Could not list nodes: ${describeKubernetesError(error)}. Nodes are cluster-scoped: the credentials ` +
            'may lack permission to list them; list_pods and list_events still work.',
        );
      }
      const notes: string[] = [];
      // Pods are read per allowed namespace, never cluster-wide: the scope holds for node views too.
      const pods: V1Pod[] = [];
      for (const namespace of deps.namespaces) {
        try {
          pods.push(...(await deps.core.listNamespacedPod({ namespace })).items);
        } catch (error) {
          notes.push(`pods of namespace ${namespace} not counted: ${describeKubernetesError(error)}`);
        }
      }
      const active = pods.filter((pod) => !['Succeeded', 'Failed'].includes(pod.status?.phase ?? ''));
      const summaries = nodes
        .map((node) =>
          summariseNode(
            node,
            active.filter((pod) => pod.spec?.nodeName === node.metadata?.name),
          ),
        )
        .sort((a, b) => a.name.localeCompare(b.name));
      const output: ListNodesOutput = {
        nodes: summaries,
        podNamespaces: [...deps.namespaces],
        ...(notes.length > 0 ? { notes } : {}),
      };
      const notReady = summaries.filter((node) => !node.ready).length;
      const pressured = summaries.filter((node) =>
        node.conditions.some((c) => c.type !== 'Ready' && !isHealthyCondition(c)),
      ).length;
      const summary =
        `${summaries.length} node(s), ${notReady} not Ready, ${pressured} with a pressure or network condition. ` +
        `Pod figures count only namespace(s) ${deps.namespaces.join(', ')}; other pods also use these nodes.`;
      // A big cluster has many nodes that neither struggle nor host the service: one line for all of them.
      const quiet = summaries.filter((node) => isQuiet(node));
      const detailed = summaries.filter((node) => !isQuiet(node));
      const quietLine =
        quiet.length > 0 && detailed.length > 0
          ? [
              `${quiet.length} more node(s) healthy, schedulable and without pods of ${deps.namespaces.join(', ')}: ` +
                quiet
                  .slice(0, maxQuietNames)
                  .map((node) => node.name)
                  .join(', ') +
                (quiet.length > maxQuietNames ? ', …' : ''),
            ]
          : [];
      const shown = detailed.length > 0 ? detailed : summaries;
      return toolResult([summary, ...shown.flatMap(renderNode), ...quietLine, ...notes].join('\n'), output);
    },
  );
}

/** A node with nothing to tell: Ready, no pressure, schedulable, and none of the allowed pods on it. */
function isQuiet(node: NodeSummary): boolean {
  return (
    node.ready && node.conditions.every(isHealthyCondition) && !node.unschedulable && node.pods.length === 0
  );
}

function renderNode(node: NodeSummary): string[] {
  const problems = node.conditions.filter((c) => !isHealthyCondition(c));
  const healthy = node.conditions.filter(isHealthyCondition);
  const totals = node.podTotals;
  const percent = (value: number | undefined) => (value !== undefined ? ` (${value}% of allocatable)` : '');
  const unlimited = node.pods.filter((pod) => pod.unlimitedMemory).length;
  return [
    `node ${node.name}: ${node.ready ? 'Ready' : 'NOT READY'}${node.unschedulable ? ', cordoned (unschedulable)' : ''}` +
      `${node.kubeletVersion ? `, kubelet ${node.kubeletVersion}` : ''}`,
    ...problems.map(
      (c) =>
        `  PROBLEM ${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}` +
        `${c.lastTransitionTime ? ` (since ${c.lastTransitionTime})` : ''}`,
    ),
    ...(healthy.length > 0 ? [`  ok: ${healthy.map((c) => `${c.type}=${c.status}`).join(', ')}`] : []),
    `  capacity cpu ${node.capacity.cpu}, memory ${memory(node.capacity.memory)}, pods ${node.capacity.pods}; ` +
      `allocatable cpu ${node.allocatable.cpu}, memory ${memory(node.allocatable.memory)}, pods ${node.allocatable.pods}`,
    `  taints: ${node.taints.join(', ') || 'none'}`,
    `  ${totals.count} pod(s) here: memory requests ${totals.memoryRequests}${percent(totals.memoryRequestsPercent)}, ` +
      `limits ${totals.memoryLimits}${percent(totals.memoryLimitsPercent)}` +
      `${unlimited > 0 ? `, ${unlimited} pod(s) without a memory limit` : ''}; cpu requests ${totals.cpuRequests}` +
      ((totals.memoryLimitsPercent ?? 0) > 100
        ? ' — OVER-COMMITTED: memory limits exceed allocatable, the node can run out before any pod hits its limit'
        : ''),
    ...node.pods
      .slice(0, maxPodsPerNode)
      .map(
        (pod) =>
          `    ${pod.namespace}/${pod.name} ${pod.phase}: memory request ${pod.memoryRequest}, ` +
          `limit ${pod.unlimitedMemory && pod.memoryLimit === '0' ? 'none' : pod.memoryLimit}` +
          `${pod.unlimitedMemory && pod.memoryLimit !== '0' ? ' (some containers unlimited)' : ''}`,
      ),
    ...(node.pods.length > maxPodsPerNode ? [`    … ${node.pods.length - maxPodsPerNode} more pod(s)`] : []),
  ];
}

/** `8145848Ki` as `7.77Gi`; anything unparseable as written. */
function memory(quantity: string): string {
  const bytes = parseQuantity(quantity);
  return bytes === undefined ? quantity : formatBytes(bytes);
}
