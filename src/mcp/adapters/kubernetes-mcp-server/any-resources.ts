import { isCredentialResource } from '../../../servers/kubernetes/credential-kinds.js';
import { cleanObject, renderObjectYaml } from '../../../servers/kubernetes/object-view.js';
import type { AdaptedResult, CapabilityAdapter } from '../capability.js';
import { nameOf, readListing, type KubeObject } from './listing.js';
import { objectOf } from './pod-details.js';

/** A kind kubernetes-mcp-server can be asked for: it takes apiVersion and Kind, not kubectl's names. */
interface KnownKind {
  kind: string;
  apiVersion: string;
  plural: string;
  shortNames: string[];
  namespaced: boolean;
}

const k = (kind: string, apiVersion: string, plural: string, shortNames: string[], namespaced = true) => ({
  kind,
  apiVersion,
  plural,
  shortNames,
  namespaced,
});

// kubernetes-mcp-server has no discovery tool to turn `pvc` into `v1 PersistentVolumeClaim`, so
// the kinds an incident usually touches are named here (Kubernetes 1.32 preferred versions).
const knownKinds: readonly KnownKind[] = [
  k('Pod', 'v1', 'pods', ['po']),
  k('Service', 'v1', 'services', ['svc']),
  k('ConfigMap', 'v1', 'configmaps', ['cm']),
  k('Endpoints', 'v1', 'endpoints', ['ep']),
  k('Event', 'v1', 'events', ['ev']),
  k('LimitRange', 'v1', 'limitranges', ['limits']),
  k('Namespace', 'v1', 'namespaces', ['ns'], false),
  k('Node', 'v1', 'nodes', ['no'], false),
  k('PersistentVolumeClaim', 'v1', 'persistentvolumeclaims', ['pvc']),
  k('PersistentVolume', 'v1', 'persistentvolumes', ['pv'], false),
  k('ReplicationController', 'v1', 'replicationcontrollers', ['rc']),
  k('ResourceQuota', 'v1', 'resourcequotas', ['quota']),
  k('ServiceAccount', 'v1', 'serviceaccounts', ['sa']),
  k('Secret', 'v1', 'secrets', []),
  k('Deployment', 'apps/v1', 'deployments', ['deploy']),
  k('ReplicaSet', 'apps/v1', 'replicasets', ['rs']),
  k('StatefulSet', 'apps/v1', 'statefulsets', ['sts']),
  k('DaemonSet', 'apps/v1', 'daemonsets', ['ds']),
  k('ControllerRevision', 'apps/v1', 'controllerrevisions', []),
  k('Job', 'batch/v1', 'jobs', []),
  k('CronJob', 'batch/v1', 'cronjobs', ['cj']),
  k('HorizontalPodAutoscaler', 'autoscaling/v2', 'horizontalpodautoscalers', ['hpa']),
  k('Ingress', 'networking.k8s.io/v1', 'ingresses', ['ing']),
  k('IngressClass', 'networking.k8s.io/v1', 'ingressclasses', [], false),
  k('NetworkPolicy', 'networking.k8s.io/v1', 'networkpolicies', ['netpol']),
  k('EndpointSlice', 'discovery.k8s.io/v1', 'endpointslices', []),
  k('PodDisruptionBudget', 'policy/v1', 'poddisruptionbudgets', ['pdb']),
  k('Role', 'rbac.authorization.k8s.io/v1', 'roles', []),
  k('RoleBinding', 'rbac.authorization.k8s.io/v1', 'rolebindings', []),
  k('ClusterRole', 'rbac.authorization.k8s.io/v1', 'clusterroles', [], false),
  k('ClusterRoleBinding', 'rbac.authorization.k8s.io/v1', 'clusterrolebindings', [], false),
  k('StorageClass', 'storage.k8s.io/v1', 'storageclasses', ['sc'], false),
  k('VolumeAttachment', 'storage.k8s.io/v1', 'volumeattachments', [], false),
  k('PriorityClass', 'scheduling.k8s.io/v1', 'priorityclasses', ['pc'], false),
  k('Lease', 'coordination.k8s.io/v1', 'leases', []),
  // cert-manager's kinds: a certificate that did not renew is explained only by them.
  k('Certificate', 'cert-manager.io/v1', 'certificates', ['cert', 'certs']),
  k('CertificateRequest', 'cert-manager.io/v1', 'certificaterequests', ['cr', 'crs']),
  k('Issuer', 'cert-manager.io/v1', 'issuers', []),
  k('ClusterIssuer', 'cert-manager.io/v1', 'clusterissuers', [], false),
  k('Order', 'acme.cert-manager.io/v1', 'orders', []),
  k('Challenge', 'acme.cert-manager.io/v1', 'challenges', []),
  k('CertificateSigningRequest', 'certificates.k8s.io/v1', 'certificatesigningrequests', ['csr'], false),
  k(
    'CustomResourceDefinition',
    'apiextensions.k8s.io/v1',
    'customresourcedefinitions',
    ['crd', 'crds'],
    false,
  ),
];

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '');

/** `pvc`, `PersistentVolumeClaim`, `persistentvolumeclaims` or `networkpolicies.networking.k8s.io`. */
function lookupKind(text: string): KnownKind | undefined {
  const wanted = text.trim().toLowerCase();
  const matches = (known: KnownKind, name: string) =>
    [known.kind.toLowerCase(), known.plural, known.plural.replace(/e?s$/, ''), ...known.shortNames].includes(
      name,
    );
  const exact = knownKinds.find((known) => matches(known, wanted));
  if (exact) return exact;
  const dot = wanted.indexOf('.');
  if (dot < 0) return undefined;
  const [name, group] = [wanted.slice(0, dot), wanted.slice(dot + 1)];
  return knownKinds.find((known) => matches(known, name) && groupOf(known.apiVersion) === group);
}

/** Objects read whole when the listing was a table (one `resources_get` each). */
const MAX_OBJECTS_FETCHED = 20;

const failed = (text: string): AdaptedResult => ({ ok: false, text, error: text });

/**
 * `get_resources` over `resources_list` and `resources_get`: the listing's table is the text, and
 * the objects (fetched one by one when the server printed a table) fill `items`, cleaned and
 * masked as the bundled tool does.
 */
export const resourcesAdapter: CapabilityAdapter = async (args, ctx) => {
  const kindText = typeof args.kind === 'string' ? args.kind : '';
  const known = lookupKind(kindText);
  if (!known) {
    return failed(
      `kind '${kindText}' is not one this adapter can name for kubernetes-mcp-server (it needs apiVersion and ` +
        `Kind); known: ${knownKinds.map((kind) => kind.kind).join(', ')}`,
    );
  }
  const plural = known.plural;
  if (isCredentialResource(groupOf(known.apiVersion), plural)) {
    return failed(`${known.kind} is never read: it holds or mints credentials`);
  }
  // Namespaced kinds always name the namespace (the host keeps community servers inside the
  // allowed ones); cluster-scoped kinds name none, or the server asks for a path that does not exist.
  const namespace =
    typeof args.namespace === 'string' && args.namespace ? args.namespace : (ctx.namespaces[0] ?? 'default');
  const base = {
    apiVersion: known.apiVersion,
    kind: known.kind,
    ...(known.namespaced ? { namespace } : {}),
  };
  const shape = (items: KubeObject[], truncated = false) => ({
    kind: known.kind,
    apiVersion: known.apiVersion,
    namespaced: known.namespaced,
    ...(known.namespaced ? { namespace } : {}),
    items: items.map((item) => cleanObject(item, known.apiVersion, known.kind)),
    ...(truncated ? { truncated: true } : {}),
  });
  if (typeof args.name === 'string' && args.name) {
    const got = await ctx.call('resources_get', { ...base, name: args.name });
    if (!got.ok) return { ok: false, text: got.text, ...(got.error ? { error: got.error } : {}) };
    const object = objectOf(got);
    if (!object) return failed(`resources_get answered ${known.kind} ${args.name} with no object`);
    const structured = shape([object]);
    return { ok: true, text: renderObjectYaml(structured.items[0] ?? {}, 12_000), structured };
  }
  const selectors = {
    ...(typeof args.labelSelector === 'string' && args.labelSelector
      ? { labelSelector: args.labelSelector }
      : {}),
    ...(typeof args.fieldSelector === 'string' && args.fieldSelector
      ? { fieldSelector: args.fieldSelector }
      : {}),
  };
  const listed = await ctx.call('resources_list', { ...base, ...selectors });
  if (!listed.ok) return { ok: false, text: listed.text, ...(listed.error ? { error: listed.error } : {}) };
  const listing = readListing(listed);
  if (listing.kind === 'objects') {
    const objects = listing.objects.filter((o) => o.kind === undefined || o.kind === known.kind);
    return { ok: true, text: listed.text, structured: shape(objects.slice(0, 50), objects.length > 50) };
  }
  // A default StorageClass is printed `gp2 (default)`; its name is `gp2`.
  const names = listing.rows
    .map((row) => (row.name ?? '').replace(/ \(default\)$/, ''))
    .filter((name) => name !== '');
  const objects = ctx.allows('resources_get')
    ? (
        await Promise.all(
          names.slice(0, MAX_OBJECTS_FETCHED).map(async (name) => {
            const got = await ctx.call('resources_get', { ...base, name });
            return got.ok ? objectOf(got) : null;
          }),
        )
      ).filter((o): o is KubeObject => o !== null && nameOf(o) !== '')
    : [];
  const truncated = names.length > objects.length;
  const note = truncated
    ? `\n(${names.length - objects.length} of ${names.length} objects not read in full)`
    : '';
  return { ok: true, text: `${listed.text}${note}`, structured: shape(objects, truncated) };
};
