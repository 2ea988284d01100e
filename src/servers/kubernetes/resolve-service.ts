import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';

import type { KubernetesServerDeps } from './deps.js';
import { describeKubernetesError, kubernetesStatusCode } from './api-error.js';
import { closestServiceNames, serviceNameMatch } from './service-names.js';

/** Pod labels that conventionally carry the application's name, in order of trust. */
const appLabelKeys = ['app', 'app.kubernetes.io/name', 'k8s-app'];

export interface ServiceResolution {
  workload: { kind: string; name: string } | null;
  /** How the pods were found, in words: `Deployment cartservice (selector app=cartservice)`. */
  matchedBy: string;
  pods: V1Pod[];
  /** Names that exist in the namespace, closest first; only when nothing matched. */
  closestServices?: string[];
  /** Listings that failed but did not stop the search. */
  notes: string[];
}

interface Candidate {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Service';
  name: string;
  selector: string | undefined;
}

/**
 * Finds the pods behind the name a trigger used, tolerating the usual drift between that name and
 * the cluster's (`cart-service` vs `cartservice`): workloads first, then Services, then pod labels,
 * then pod names. Throws only when pods themselves cannot be listed.
 */
export async function resolveServicePods(
  deps: KubernetesServerDeps,
  namespace: string,
  service: string,
): Promise<ServiceResolution> {
  const notes: string[] = [];
  const [deployments, statefulSets, daemonSets, services] = await Promise.all([
    listOrEmpty(
      'deployments',
      notes,
      async () => (await deps.apps.listNamespacedDeployment({ namespace })).items,
    ),
    listOrEmpty(
      'statefulsets',
      notes,
      async () => (await deps.apps.listNamespacedStatefulSet({ namespace })).items,
    ),
    listOrEmpty(
      'daemonsets',
      notes,
      async () => (await deps.apps.listNamespacedDaemonSet({ namespace })).items,
    ),
    listOrEmpty('services', notes, async () => (await deps.core.listNamespacedService({ namespace })).items),
  ]);
  const candidates: Candidate[] = [
    ...deployments.map((d) => workload('Deployment', d.metadata?.name, toLabelSelector(d.spec?.selector))),
    ...statefulSets.map((s) => workload('StatefulSet', s.metadata?.name, toLabelSelector(s.spec?.selector))),
    ...daemonSets.map((d) => workload('DaemonSet', d.metadata?.name, toLabelSelector(d.spec?.selector))),
    ...services.map((s) => workload('Service', s.metadata?.name, mapSelector(s.spec?.selector))),
  ];

  // The strongest name match wins; on a tie, the earlier kind (workloads before Services).
  let best: { candidate: Candidate; strength: number } | undefined;
  for (const candidate of candidates) {
    const strength = serviceNameMatch(service, candidate.name);
    if (candidate.selector && strength > 0 && (!best || strength > best.strength))
      best = { candidate, strength };
  }
  if (best?.candidate.selector) {
    const { kind, name, selector } = best.candidate;
    const pods = (await deps.core.listNamespacedPod({ namespace, labelSelector: selector })).items;
    return { workload: { kind, name }, matchedBy: `${kind} ${name} (selector ${selector})`, pods, notes };
  }

  const allPods = (await deps.core.listNamespacedPod({ namespace })).items;
  const byLabel = matchByPodLabel(service, allPods);
  if (byLabel) return { workload: null, ...byLabel, notes };
  const byName = allPods.filter(
    (pod) => serviceNameMatch(service, podBaseName(pod.metadata?.name ?? '')) > 0,
  );
  if (byName.length > 0) {
    const base = podBaseName(byName[0]?.metadata?.name ?? '');
    return { workload: null, matchedBy: `pod name prefix ${base}`, pods: byName, notes };
  }

  const known = [
    ...candidates.map((candidate) => candidate.name),
    ...allPods.flatMap((pod) => appLabelKeys.map((key) => pod.metadata?.labels?.[key] ?? '')).filter(Boolean),
  ];
  return {
    workload: null,
    matchedBy: 'none',
    pods: [],
    closestServices: closestServiceNames(service, known),
    notes,
  };
}

function workload(
  kind: Candidate['kind'],
  name: string | undefined,
  selector: string | undefined,
): Candidate {
  return { kind, name: name ?? '', selector };
}

function matchByPodLabel(service: string, pods: V1Pod[]): { matchedBy: string; pods: V1Pod[] } | undefined {
  let best: { key: string; value: string; strength: number } | undefined;
  for (const key of appLabelKeys) {
    for (const pod of pods) {
      const value = pod.metadata?.labels?.[key];
      const strength = value ? serviceNameMatch(service, value) : 0;
      if (value && strength > 0 && (!best || strength > best.strength)) best = { key, value, strength };
    }
  }
  if (!best) return undefined;
  const { key, value } = best;
  return {
    matchedBy: `pod label ${key}=${value}`,
    pods: pods.filter((pod) => pod.metadata?.labels?.[key] === value),
  };
}

/** A pod name without the suffixes its controller generated: `cartservice-7d9f8b6c4-x2k9p` → `cartservice`. */
export function podBaseName(podName: string): string {
  const ordinal = /^(.+)-\d+$/.exec(podName);
  if (ordinal?.[1]) return ordinal[1];
  return podName.replace(/-[a-z0-9]{5}$/, '').replace(/-[a-f0-9]{6,10}$/, '');
}

function mapSelector(labels: Record<string, string> | undefined): string | undefined {
  const pairs = Object.entries(labels ?? {}).map(([key, value]) => `${key}=${value}`);
  return pairs.length > 0 ? pairs.join(',') : undefined;
}

/** A workload's selector in the query-string syntax, set-based expressions included. */
export function toLabelSelector(selector: V1LabelSelector | undefined): string | undefined {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const expression of selector?.matchExpressions ?? []) {
    const values = (expression.values ?? []).join(',');
    if (expression.operator === 'In') parts.push(`${expression.key} in (${values})`);
    else if (expression.operator === 'NotIn') parts.push(`${expression.key} notin (${values})`);
    else if (expression.operator === 'Exists') parts.push(expression.key);
    else if (expression.operator === 'DoesNotExist') parts.push(`!${expression.key}`);
  }
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** Runs a listing; a failure becomes a note (a 404 — an API the cluster does not serve — stays silent). */
async function listOrEmpty<T>(what: string, notes: string[], list: () => Promise<T[]>): Promise<T[]> {
  try {
    return await list();
  } catch (error) {
    if (kubernetesStatusCode(error) !== 404)
      notes.push(`could not list ${what}: ${describeKubernetesError(error)}`);
    return [];
  }
}
