/** One API resource as discovery describes it (an entry of an APIResourceList). */
export interface KubeResource {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  categories?: string[];
}

// The verbs a real API server advertises; the sandbox creates only a few kinds (kube-create.ts), other writes get 405.
const crud = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resource(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[] = [],
  categories?: string[],
): KubeResource {
  return {
    group,
    version,
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    shortNames,
    verbs: crud,
    ...(categories ? { categories } : {}),
  };
}

const all = ['all'];

/** The resources the sandbox knows, in discovery order; objects of other kinds are added on the fly. */
export const builtinResources: readonly KubeResource[] = [
  resource('', 'v1', 'ConfigMap', 'configmaps', true, ['cm']),
  resource('', 'v1', 'Endpoints', 'endpoints', true, ['ep']),
  resource('', 'v1', 'Event', 'events', true, ['ev']),
  resource('', 'v1', 'Namespace', 'namespaces', false, ['ns']),
  resource('', 'v1', 'Node', 'nodes', false, ['no']),
  resource('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, ['pvc']),
  resource('', 'v1', 'PersistentVolume', 'persistentvolumes', false, ['pv']),
  resource('', 'v1', 'Pod', 'pods', true, ['po'], all),
  resource('', 'v1', 'ReplicationController', 'replicationcontrollers', true, ['rc'], all),
  resource('', 'v1', 'Secret', 'secrets', true),
  resource('', 'v1', 'ServiceAccount', 'serviceaccounts', true, ['sa']),
  resource('', 'v1', 'Service', 'services', true, ['svc'], all),
  resource('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true),
  resource('apps', 'v1', 'DaemonSet', 'daemonsets', true, ['ds'], all),
  resource('apps', 'v1', 'Deployment', 'deployments', true, ['deploy'], all),
  resource('apps', 'v1', 'ReplicaSet', 'replicasets', true, ['rs'], all),
  resource('apps', 'v1', 'StatefulSet', 'statefulsets', true, ['sts'], all),
  resource('batch', 'v1', 'CronJob', 'cronjobs', true, ['cj'], all),
  resource('batch', 'v1', 'Job', 'jobs', true, [], all),
  resource('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  resource('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, ['hpa'], all),
  resource('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, ['ing']),
  resource('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, ['netpol']),
  resource('events.k8s.io', 'v1', 'Event', 'events', true, ['ev']),
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    plural: 'selfsubjectaccessreviews',
    singular: 'selfsubjectaccessreview',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
    shortNames: [],
    verbs: ['create'],
  },
];

/** Subresources listed in discovery next to their parent (`pods/log`). */
export const builtinSubresources: readonly KubeResource[] = [
  { ...resource('', 'v1', 'Pod', 'pods/log', true), singular: '', verbs: ['get'] },
];

// Kinds a scenario may hold that live outside any namespace, beyond those in the table above.
const extraClusterScopedKinds = new Set([
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'APIService',
]);

/** Whether objects of this kind live outside any namespace (Node, Namespace, ...). */
export function isClusterScopedKind(kind: string): boolean {
  if (extraClusterScopedKinds.has(kind)) return true;
  return builtinResources.some((r) => r.kind === kind && !r.namespaced);
}

/** `apps/v1` → `{group: 'apps', version: 'v1'}`; `v1` → core. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `group/version` the way discovery and objects spell it (`v1` for core). */
export function groupVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** English plural of a kind, for kinds the sandbox has no table entry for. */
export function guessPlural(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/**
 * The resource an object is served under: the builtin one for its group and kind, or a
 * made-up namespaced one for custom kinds so that scenarios can carry CRD instances.
 */
export function resourceForObject(apiVersion: string, kind: string, namespaced: boolean): KubeResource {
  const { group, version } = splitApiVersion(apiVersion);
  const known = builtinResources.find((r) => r.group === group && r.kind === kind);
  if (known) return known;
  return {
    group,
    version,
    plural: guessPlural(kind),
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    shortNames: [],
    verbs: crud,
  };
}
