import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';

import type { KubernetesServerDeps } from './deps.js';
import { describeKubernetesError, kubernetesStatusCode } from './api-error.js';
import { closestServiceNames, serviceNameMatch } from './service-names.js';

/** Pod labels that conventionally carry the application's name, in order of trust. */
const appLabelKeys = ['app', 'app.kubernetes.io/name', 'k8s-app'];

export interface ServiceResolution {
  /** The workload the name matched: a Deployment, StatefulSet, DaemonSet, Service, Job, CronJob or a bare Pod. */
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
 * the cluster's (`cart-service` vs `cartservice`): workloads and Services by name, a pod by its
 * exact name (a bare Pod is a target too), the controllers that own pods (Jobs, CronJobs), then pod
 * labels, then generated pod names. Throws only when pods themselves cannot be listed.
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
  const allPods = (await deps.core.listNamespacedPod({ namespace })).items;
  // A pod named exactly as asked is the target itself, whatever its name looks like.
  const exact = allPods.find((pod) => pod.metadata?.name === service);
  if (exact && (best?.strength ?? 0) < 3) {
    const owners = podWorkloads(exact);
    const owner = owners.at(-1);
    return {
      workload: owner ?? { kind: 'Pod', name: service },
      matchedBy: owner
        ? `pod ${service} (owned by ${owners[0]?.kind} ${owners[0]?.name})`
        : `pod ${service} (no controller)`,
      pods: [exact],
      notes,
    };
  }
  const byOwner = matchByOwner(service, allPods);
  if (best?.candidate.selector && (!byOwner || best.strength >= byOwner.strength)) {
    const { kind, name, selector } = best.candidate;
    const pods = (await deps.core.listNamespacedPod({ namespace, labelSelector: selector })).items;
    return { workload: { kind, name }, matchedBy: `${kind} ${name} (selector ${selector})`, pods, notes };
  }
  if (byOwner) return { workload: byOwner.workload, matchedBy: byOwner.matchedBy, pods: byOwner.pods, notes };
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

/**
 * The characters Kubernetes uses for generated names (pod-template-hash, the pod suffix of a
 * ReplicaSet or DaemonSet): `rand.SafeEncodeString`, no vowels and no 0, 1, 3, so that a real word
 * such as `canary` or `cache` is never one.
 */
const GENERATED = '[bcdfghjklmnpqrstvwxz2456789]';
const POD_SUFFIX = new RegExp(`-${GENERATED}{5}$`);
const TEMPLATE_HASH = new RegExp(`-${GENERATED}{6,10}$`);
/** A CronJob names its Jobs `<cronjob>-<scheduled time in minutes>`. */
const CRONJOB_RUN = /-\d{8,10}$/;

/**
 * A pod name without the suffixes its controller generated: `cartservice-7d9f8b6c4-x2k9p` →
 * `cartservice`, `db-0` → `db`. Only generated-looking suffixes go: `ingest-worker-canary` stays.
 */
export function podBaseName(podName: string): string {
  const ordinal = /^(.+)-\d+$/.exec(podName);
  if (ordinal?.[1]) return ordinal[1];
  if (!POD_SUFFIX.test(podName)) return podName;
  return podName.replace(POD_SUFFIX, '').replace(TEMPLATE_HASH, '');
}

interface OwnerRef {
  kind: string;
  name: string;
}

function controllerOf(pod: V1Pod): OwnerRef | undefined {
  const references = pod.metadata?.ownerReferences ?? [];
  const owner = references.find((reference) => reference.controller) ?? references[0];
  return owner ? { kind: owner.kind, name: owner.name } : undefined;
}

/**
 * The workloads a pod belongs to, from its owner reference, innermost first: ReplicaSet then
 * Deployment (the ReplicaSet's name minus the pod's pod-template-hash), Job then CronJob (the
 * Job's name minus its scheduled-time suffix). A name is cut only where the owner proves it.
 */
export function podWorkloads(pod: V1Pod): OwnerRef[] {
  const owner = controllerOf(pod);
  if (!owner) return [];
  const chain = [owner];
  if (owner.kind === 'ReplicaSet') {
    const hash = pod.metadata?.labels?.['pod-template-hash'];
    if (hash && owner.name.endsWith(`-${hash}`))
      chain.push({ kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) });
  }
  if (owner.kind === 'Job' && CRONJOB_RUN.test(owner.name))
    chain.push({ kind: 'CronJob', name: owner.name.replace(CRONJOB_RUN, '') });
  return chain;
}

/** Pods whose controller (or its owner) is named like the service: Jobs, CronJobs, ReplicaSets of any Deployment. */
function matchByOwner(
  service: string,
  pods: V1Pod[],
): { workload: OwnerRef; matchedBy: string; pods: V1Pod[]; strength: number } | undefined {
  let best: { owner: OwnerRef; strength: number } | undefined;
  for (const pod of pods) {
    for (const owner of podWorkloads(pod)) {
      const strength = serviceNameMatch(service, owner.name);
      // The outer workload wins a tie: a CronJob over one of its Jobs, a Deployment over a ReplicaSet.
      if (strength > 0 && (!best || strength >= best.strength)) best = { owner, strength };
    }
  }
  if (!best) return undefined;
  const { owner } = best;
  const matched = pods.filter((pod) =>
    podWorkloads(pod).some((o) => o.kind === owner.kind && o.name === owner.name),
  );
  return {
    workload: owner,
    matchedBy: `${owner.kind} ${owner.name} (owner of its pods)`,
    pods: matched,
    strength: best.strength,
  };
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
