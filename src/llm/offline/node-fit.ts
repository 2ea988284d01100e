/**
 * Whether a pod template may run on a node, the way the scheduler and the DaemonSet controller
 * decide it: the node's taints against the pod's tolerations, its labels against the pod's
 * nodeSelector and required node affinity.
 */
import { at, labelsOf, list, selectorMatches, str, stringMap, type KubeObject } from './k8s-object.js';

/** Taint effects that keep a pod off a node; PreferNoSchedule only discourages. */
const BLOCKING_EFFECTS = new Set(['NoSchedule', 'NoExecute']);

/**
 * Labels naming the node group or pool a node belongs to (EKS managed and eksctl groups, GKE, AKS,
 * Karpenter, OpenShift machine sets), most specific first.
 */
const NODE_GROUP_LABELS = [
  'eks.amazonaws.com/nodegroup',
  'alpha.eksctl.io/nodegroup-name',
  'cloud.google.com/gke-nodepool',
  'kubernetes.azure.com/agentpool',
  'agentpool',
  'karpenter.sh/nodepool',
  'karpenter.sh/provisioner-name',
  'machine.openshift.io/cluster-api-machineset',
];

/**
 * The tolerations the DaemonSet controller adds to every pod it creates: node conditions do not
 * keep a node agent away (network-unavailable only for host-network pods, left out here).
 */
export const DAEMONSET_TOLERATIONS: KubeObject[] = [
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.kubernetes.io/disk-pressure',
  'node.kubernetes.io/memory-pressure',
  'node.kubernetes.io/pid-pressure',
  'node.kubernetes.io/unschedulable',
].map((key) => ({ key, operator: 'Exists' }));

/** `key=value:Effect`, as kubectl prints a taint. */
export function formatTaint(taint: KubeObject): string {
  const value = str(taint.value);
  return `${str(taint.key) ?? ''}${value ? `=${value}` : ''}:${str(taint.effect) ?? ''}`;
}

/** Whether one toleration tolerates one taint (the API's ToleratesTaint). */
export function tolerates(toleration: KubeObject, taint: KubeObject): boolean {
  const effect = str(toleration.effect);
  if (effect && effect !== str(taint.effect)) return false;
  const key = str(toleration.key);
  if (str(toleration.operator) === 'Exists') return !key || key === str(taint.key);
  return key === str(taint.key) && (str(toleration.value) ?? '') === (str(taint.value) ?? '');
}

/** The taints of a node that keep off a pod with these tolerations. */
export function untoleratedTaints(tolerations: KubeObject[], node: KubeObject): KubeObject[] {
  return list(at(node, 'spec', 'taints')).filter(
    (t) => BLOCKING_EFFECTS.has(str(t.effect) ?? '') && !tolerations.some((x) => tolerates(x, t)),
  );
}

/** A pod spec's placement terms as text: `key=value` for nodeSelector, `key op (values)` for affinity. */
export function placementTerms(podSpec: unknown): string[] {
  const selector = Object.entries(stringMap(at(podSpec, 'nodeSelector'))).map(([k, v]) => `${k}=${v}`);
  const affinity = requiredTerms(podSpec)
    .flatMap((t) => list(t.matchExpressions))
    .map(
      (e) => `${String(e.key)} ${String(e.operator)} (${Array.isArray(e.values) ? e.values.join(',') : ''})`,
    );
  return [...selector, ...affinity];
}

function requiredTerms(podSpec: unknown): KubeObject[] {
  return list(
    at(
      podSpec,
      'affinity',
      'nodeAffinity',
      'requiredDuringSchedulingIgnoredDuringExecution',
      'nodeSelectorTerms',
    ),
  );
}

/** Whether a node's labels satisfy a pod spec's nodeSelector and required node affinity (terms are ORed). */
export function labelsFit(podSpec: unknown, node: KubeObject): boolean {
  const labels = labelsOf(node);
  const selector = stringMap(at(podSpec, 'nodeSelector'));
  if (Object.entries(selector).some(([k, v]) => labels[k] !== v)) return false;
  const terms = requiredTerms(podSpec);
  return (
    !terms.length ||
    terms.some((t) => selectorMatches({ matchExpressions: list(t.matchExpressions) }, labels))
  );
}

/** The nodeSelector entries no node carries, as `key=value`: the usual typo or missing label. */
export function unmatchedSelector(podSpec: unknown, nodes: KubeObject[]): string[] {
  return Object.entries(stringMap(at(podSpec, 'nodeSelector')))
    .filter(([k, v]) => !nodes.some((n) => labelsOf(n)[k] === v))
    .map(([k, v]) => `${k}=${v}`);
}

/** The node group or pool a node belongs to, from the label its provider sets. */
export function nodeGroupOf(node: KubeObject): string | undefined {
  const labels = labelsOf(node);
  return NODE_GROUP_LABELS.map((k) => labels[k]).find(Boolean);
}
