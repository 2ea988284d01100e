import type { KubeResource } from './kube-resources.js';

// The verbs a real API server advertises; the sandbox creates only a few kinds (kube-create.ts), other writes get 405.
const crud = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** A resource entry as discovery lists it; `verbs` default to the full set. */
export function resourceEntry(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[] = [],
  options: { categories?: string[]; verbs?: string[] } = {},
): KubeResource {
  return {
    group,
    version,
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    shortNames,
    verbs: options.verbs ?? crud,
    ...(options.categories ? { categories: options.categories } : {}),
  };
}

const all = { categories: ['all'] };
// Reviews are questions, not stored objects: they can only be created (POSTed).
const createOnly = { verbs: ['create'] };
const r = resourceEntry;

/**
 * The resources a Kubernetes 1.32 API server serves (minus the alpha, flow-control and internal
 * ones), with the short names and categories its discovery gives. A scenario that lacks a kind
 * still lists it as empty, as a real cluster would. Order is discovery order: core first.
 */
export const builtinResources: readonly KubeResource[] = [
  r('', 'v1', 'ConfigMap', 'configmaps', true, ['cm']),
  r('', 'v1', 'Endpoints', 'endpoints', true, ['ep']),
  r('', 'v1', 'Event', 'events', true, ['ev']),
  r('', 'v1', 'LimitRange', 'limitranges', true, ['limits']),
  r('', 'v1', 'Namespace', 'namespaces', false, ['ns']),
  r('', 'v1', 'Node', 'nodes', false, ['no']),
  r('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, ['pvc']),
  r('', 'v1', 'PersistentVolume', 'persistentvolumes', false, ['pv']),
  r('', 'v1', 'Pod', 'pods', true, ['po'], all),
  r('', 'v1', 'PodTemplate', 'podtemplates', true),
  r('', 'v1', 'ReplicationController', 'replicationcontrollers', true, ['rc'], all),
  r('', 'v1', 'ResourceQuota', 'resourcequotas', true, ['quota']),
  r('', 'v1', 'Secret', 'secrets', true),
  r('', 'v1', 'ServiceAccount', 'serviceaccounts', true, ['sa']),
  r('', 'v1', 'Service', 'services', true, ['svc'], all),
  r(
    'admissionregistration.k8s.io',
    'v1',
    'MutatingWebhookConfiguration',
    'mutatingwebhookconfigurations',
    false,
  ),
  r(
    'admissionregistration.k8s.io',
    'v1',
    'ValidatingWebhookConfiguration',
    'validatingwebhookconfigurations',
    false,
  ),
  r('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, [
    'crd',
    'crds',
  ]),
  r('apiregistration.k8s.io', 'v1', 'APIService', 'apiservices', false),
  r('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true),
  r('apps', 'v1', 'DaemonSet', 'daemonsets', true, ['ds'], all),
  r('apps', 'v1', 'Deployment', 'deployments', true, ['deploy'], all),
  r('apps', 'v1', 'ReplicaSet', 'replicasets', true, ['rs'], all),
  r('apps', 'v1', 'StatefulSet', 'statefulsets', true, ['sts'], all),
  r('authentication.k8s.io', 'v1', 'SelfSubjectReview', 'selfsubjectreviews', false, [], createOnly),
  r('authentication.k8s.io', 'v1', 'TokenReview', 'tokenreviews', false, [], createOnly),
  r(
    'authorization.k8s.io',
    'v1',
    'LocalSubjectAccessReview',
    'localsubjectaccessreviews',
    true,
    [],
    createOnly,
  ),
  r(
    'authorization.k8s.io',
    'v1',
    'SelfSubjectAccessReview',
    'selfsubjectaccessreviews',
    false,
    [],
    createOnly,
  ),
  r('authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, [], createOnly),
  r('authorization.k8s.io', 'v1', 'SubjectAccessReview', 'subjectaccessreviews', false, [], createOnly),
  // autoscaling/v2 first: it is the group's preferred version, what kubectl reads.
  r('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, ['hpa'], all),
  r('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, ['hpa'], all),
  r('batch', 'v1', 'CronJob', 'cronjobs', true, ['cj'], all),
  r('batch', 'v1', 'Job', 'jobs', true, [], all),
  r('certificates.k8s.io', 'v1', 'CertificateSigningRequest', 'certificatesigningrequests', false, ['csr']),
  r('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  r('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
  r('events.k8s.io', 'v1', 'Event', 'events', true, ['ev']),
  r('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false),
  r('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, ['ing']),
  r('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, ['netpol']),
  r('node.k8s.io', 'v1', 'RuntimeClass', 'runtimeclasses', false),
  r('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, ['pdb']),
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  r('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  r('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  r('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, ['pc']),
  r('storage.k8s.io', 'v1', 'CSIDriver', 'csidrivers', false),
  r('storage.k8s.io', 'v1', 'CSINode', 'csinodes', false),
  r('storage.k8s.io', 'v1', 'CSIStorageCapacity', 'csistoragecapacities', true),
  r('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, ['sc']),
  r('storage.k8s.io', 'v1', 'VolumeAttachment', 'volumeattachments', false),
];

/** Subresources listed in discovery next to their parent (`pods/log`). */
export const builtinSubresources: readonly KubeResource[] = [
  { ...r('', 'v1', 'Pod', 'pods/log', true), singular: '', verbs: ['get'] },
  { ...r('', 'v1', 'TokenRequest', 'serviceaccounts/token', true), singular: '', verbs: ['create'] },
];
