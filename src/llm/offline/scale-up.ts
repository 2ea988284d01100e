/**
 * Why the cluster autoscaler added no node for pods the scheduler could not place: its
 * NotTriggerScaleUp event on each pod, and its status ConfigMap (kube-system) when in scope.
 */
import { parse as parseYaml } from 'yaml';
import type { EngineContext } from '../engine.js';
import { readObject, readObjects } from './cluster-read.js';
import { at, list, num, str, type KubeObject } from './k8s-object.js';
import { labelsFit, nodeGroupOf, untoleratedTaints } from './node-fit.js';
import type { ServiceFacts } from './facts.js';
import type { EventInfo } from './tool-data.js';

const STATUS_NAMESPACE = 'kube-system';
const STATUS_CONFIG_MAP = 'cluster-autoscaler-status';

/**
 * The skip reasons of the cluster autoscaler (and GKE's) that mean a node group that would fit the
 * pod cannot grow: its own maximum, a cluster-wide limit, a backoff after a failed scale-up.
 */
const BLOCKS: { kind: ScaleUpBlock['kind']; pattern: RegExp }[] = [
  { kind: 'max-size', pattern: /max node ?group size reached|max nodepool size reached/i },
  {
    kind: 'cluster-limit',
    pattern: /max cluster [\w, ]*limit reached|max total nodes in cluster reached/i,
  },
  { kind: 'backoff', pattern: /in backoff after failed scale-up/i },
];

/** A node group as the autoscaler's status reports it. */
export interface NodeGroupStatus {
  name: string;
  target?: number;
  minSize?: number;
  maxSize?: number;
  /** `Backoff`, `InProgress`, `NoActivity`…, with the cloud's error when it failed. */
  scaleUp?: string;
}

/** Skip reasons that only say a group's nodes would not match the pod's placement. */
const PLACEMENT_MISMATCH = /didn't match|untolerated taint|had taint|didn't tolerate|didn't satisfy/i;

export interface ScaleUpBlock {
  /**
   * `no-fitting-group`: every node group the autoscaler may grow fails the pods' placement, so the
   * nodes they may use are in a group it does not scale.
   */
  kind: 'max-size' | 'cluster-limit' | 'backoff' | 'no-fitting-group';
  event: EventInfo;
  /** Node groups at their maximum (or in backoff), the ones the pods could use first. */
  groups: NodeGroupStatus[];
  /** Node groups (from node labels) whose nodes the pods' placement allows. */
  usable: string[];
}

/** The NotTriggerScaleUp of these pods that says a fitting node group cannot grow, or null. */
export async function scaleUpBlock(
  ctx: EngineContext,
  facts: ServiceFacts,
  pods: string[],
): Promise<ScaleUpBlock | null> {
  const own = new Set(pods);
  const events = facts.events.filter(
    (e) => e.reason === 'NotTriggerScaleUp' && own.has(e.object?.split('/').at(-1) ?? ''),
  );
  let found: { kind: ScaleUpBlock['kind']; event: EventInfo } | undefined;
  for (const { kind, pattern } of BLOCKS) {
    const event = events.find((e) => pattern.test(e.message ?? ''));
    if (event) {
      found = { kind, event };
      break;
    }
  }
  if (!found) {
    const event = events.find((e) => placementOnly(e.message ?? ''));
    if (event) found = { kind: 'no-fitting-group', event };
  }
  if (!found) return null;
  const usable = await usableNodeGroups(ctx, facts.namespace, pods[0] ?? '');
  const statuses = await nodeGroupStatuses(ctx);
  const stuck = statuses.filter((g) =>
    found.kind === 'backoff'
      ? /backoff/i.test(g.scaleUp ?? '')
      : found.kind === 'no-fitting-group'
        ? false
        : g.maxSize !== undefined && g.target !== undefined && g.target >= g.maxSize,
  );
  // EKS names a group's Auto Scaling group eks-<nodegroup>-<uuid>: the one the pods may use comes first.
  const mine = (g: NodeGroupStatus) => usable.some((u) => g.name === u || g.name.includes(`-${u}-`));
  const groups = [...stuck.filter(mine), ...stuck.filter((g) => !mine(g))];
  return { ...found, groups: stuck.some(mine) ? groups.filter(mine) : groups, usable };
}

/** `pod didn't trigger scale-up: 2 node(s) didn't match Pod's node affinity/selector, 1 …`: only mismatches. */
function placementOnly(message: string): boolean {
  const m = message.match(/^pod didn't trigger scale-up:\s*(.+)$/i);
  const reasons = (m?.[1] ?? '').split(/,\s*(?=\d+ )/).filter(Boolean);
  return reasons.length > 0 && reasons.every((r) => PLACEMENT_MISMATCH.test(r));
}

/** The node groups of the nodes a pending pod's tolerations and placement allow. */
async function usableNodeGroups(ctx: EngineContext, namespace: string, podName: string): Promise<string[]> {
  const pod = await readObject(ctx, 'Pod', podName, namespace);
  if (!pod) return [];
  const spec = at(pod, 'spec');
  const tolerations = list(at(spec, 'tolerations'));
  const nodes = (await readObjects(ctx, 'Node', { clusterScoped: true })) ?? [];
  const groups = nodes
    .filter((n) => labelsFit(spec, n) && !untoleratedTaints(tolerations, n).length)
    .map(nodeGroupOf)
    .filter((g): g is string => Boolean(g));
  return [...new Set(groups)];
}

/** The autoscaler's node groups, when its status ConfigMap is in the run's scope. */
async function nodeGroupStatuses(ctx: EngineContext): Promise<NodeGroupStatus[]> {
  if (!ctx.settings.namespaces.includes(STATUS_NAMESPACE)) return [];
  const status = str(
    at(await readObject(ctx, 'ConfigMap', STATUS_CONFIG_MAP, STATUS_NAMESPACE), 'data', 'status'),
  );
  return status ? parseNodeGroupStatuses(status) : [];
}

/**
 * Node groups from the status text: the YAML of cluster-autoscaler 1.30 and later, or the older
 * `Name: … Health: Healthy (… cloudProviderTarget=6 (minSize=3, maxSize=6))` text.
 */
export function parseNodeGroupStatuses(status: string): NodeGroupStatus[] {
  const structured = fromYaml(status);
  if (structured.length) return structured;
  return status
    .split(/^\s*Name:\s+/m)
    .slice(1)
    .map((block) => {
      const name = block.split(/\s/)[0] ?? '';
      const health = block.match(/cloudProviderTarget=(\d+) \(minSize=(\d+), maxSize=(\d+)\)/);
      const scaleUp = block.match(/ScaleUp:\s+([^\n]+)/)?.[1]?.trim();
      return {
        name,
        ...(health
          ? { target: Number(health[1]), minSize: Number(health[2]), maxSize: Number(health[3]) }
          : {}),
        ...(scaleUp ? { scaleUp } : {}),
      };
    })
    .filter((g) => g.name);
}

function fromYaml(status: string): NodeGroupStatus[] {
  let parsed: unknown;
  try {
    parsed = parseYaml(status);
  } catch {
    return []; // the older text format is not YAML: read below
  }
  return list(at(parsed, 'nodeGroups'))
    .map((g: KubeObject) => {
      const health = at(g, 'health');
      const backoff = at(g, 'scaleUp', 'backoffInfo');
      const scaleUp = [
        str(at(g, 'scaleUp', 'status')),
        str(at(backoff, 'errorCode')),
        str(at(backoff, 'errorMessage')),
      ]
        .filter(Boolean)
        .join(': ');
      const target = num(at(health, 'cloudProviderTarget'));
      const minSize = num(at(health, 'minSize'));
      const maxSize = num(at(health, 'maxSize'));
      return {
        name: str(g.name) ?? '',
        ...(target !== undefined ? { target } : {}),
        ...(minSize !== undefined ? { minSize } : {}),
        ...(maxSize !== undefined ? { maxSize } : {}),
        ...(scaleUp ? { scaleUp } : {}),
      };
    })
    .filter((g) => g.name);
}

/** One line on a node group: `eks-general-… at 6 of max 6 nodes`. */
export function describeGroup(group: NodeGroupStatus): string {
  const size =
    group.maxSize !== undefined ? ` at ${group.target ?? '?'} of max ${group.maxSize} node(s)` : '';
  const activity = group.scaleUp && !/^NoActivity/.test(group.scaleUp) ? ` (scale-up: ${group.scaleUp})` : '';
  return `${group.name}${size}${activity}`;
}
