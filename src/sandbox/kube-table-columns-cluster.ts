import type { Loose, TablePrinter } from './kube-columns.js';
import {
  accessModes,
  age,
  at,
  column,
  count,
  formatLabelSelector,
  integer,
  list,
  name,
  printer,
  text,
  wide,
} from './kube-columns.js';

// Storage, networking and policy kinds, after the API server's printers (Kubernetes 1.32).

/** The class a claim or volume asks for: the old beta annotation wins over the field, as in the API. */
function storageClassOf(o: Loose): string {
  const annotations = (at(o, 'metadata', 'annotations') ?? {}) as Loose;
  const beta = annotations['volume.beta.kubernetes.io/storage-class'];
  return typeof beta === 'string' ? beta : text(at(o, 'spec', 'storageClassName'), '');
}

const terminatingOr = (o: Loose, phase: unknown) =>
  at(o, 'metadata', 'deletionTimestamp') ? 'Terminating' : text(phase, '');
const volumeMode = column('VolumeMode', (o) => text(at(o, 'spec', 'volumeMode'), '<unset>'), wide);
const volumeAttributesClass = column('VolumeAttributesClass', (o) =>
  text(at(o, 'spec', 'volumeAttributesClassName'), '<unset>'),
);

const persistentVolumeClaimPrinter = printer([
  name,
  column('Status', (o) => terminatingOr(o, at(o, 'status', 'phase'))),
  column('Volume', (o) => text(at(o, 'spec', 'volumeName'), '')),
  // Capacity and access modes are the bound volume's: empty until the claim is bound.
  column('Capacity', (o) =>
    at(o, 'spec', 'volumeName') ? text(at(o, 'status', 'capacity', 'storage'), '') : '',
  ),
  column('Access Modes', (o) =>
    at(o, 'spec', 'volumeName') ? accessModes(at(o, 'status', 'accessModes')) : '',
  ),
  column('StorageClass', storageClassOf),
  volumeAttributesClass,
  age,
  volumeMode,
]);

const persistentVolumePrinter = printer([
  name,
  column('Capacity', (o) => text(at(o, 'spec', 'capacity', 'storage'), '')),
  column('Access Modes', (o) => accessModes(at(o, 'spec', 'accessModes'))),
  column('Reclaim Policy', (o) => text(at(o, 'spec', 'persistentVolumeReclaimPolicy'), '')),
  column('Status', (o) => terminatingOr(o, at(o, 'status', 'phase'))),
  column('Claim', (o) => {
    const claim = at(o, 'spec', 'claimRef') as Loose | undefined;
    return claim ? `${text(claim.namespace, '')}/${text(claim.name, '')}` : '';
  }),
  column('StorageClass', storageClassOf),
  volumeAttributesClass,
  column('Reason', (o) => text(at(o, 'status', 'reason'), '')),
  age,
  volumeMode,
]);

const isDefaultClass = (o: Loose) => {
  const annotations = (at(o, 'metadata', 'annotations') ?? {}) as Loose;
  return (
    annotations['storageclass.kubernetes.io/is-default-class'] === 'true' ||
    annotations['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
  );
};

const storageClassPrinter = printer([
  column('Name', (o) => `${text(at(o, 'metadata', 'name'), '')}${isDefaultClass(o) ? ' (default)' : ''}`, {
    format: 'name',
  }),
  column('Provisioner', (o) => text(o.provisioner, '')),
  column('ReclaimPolicy', (o) => text(o.reclaimPolicy, 'Delete')),
  column('VolumeBindingMode', (o) => text(o.volumeBindingMode, 'Immediate')),
  column('AllowVolumeExpansion', (o) => o.allowVolumeExpansion === true),
  age,
]);

const volumeAttachmentPrinter = printer([
  name,
  column('Attacher', (o) => text(at(o, 'spec', 'attacher'), '')),
  column('PV', (o) => text(at(o, 'spec', 'source', 'persistentVolumeName'), '')),
  column('Node', (o) => text(at(o, 'spec', 'nodeName'), '')),
  column('Attached', (o) => at(o, 'status', 'attached') === true, { type: 'boolean' }),
  age,
]);

/** Ingress hosts: the first three, `*` when no rule names one. */
function ingressHosts(o: Loose): string {
  const rules = list(at(o, 'spec', 'rules'));
  const hosts = rules
    .slice(0, 3)
    .map((rule) => text(rule.host, ''))
    .filter((host) => host !== '');
  if (hosts.length === 0) return '*';
  return rules.length > 3 ? `${hosts.join(',')} + ${rules.length - 3} more...` : hosts.join(',');
}

/** Load-balancer addresses (IP, else hostname), sorted and without repeats. */
function loadBalancerAddresses(o: Loose): string {
  const addresses = list(at(o, 'status', 'loadBalancer', 'ingress'))
    .map((entry) => text(entry.ip, text(entry.hostname, '')))
    .filter((address) => address !== '');
  return [...new Set(addresses)].sort().join(',');
}

const ingressPrinter = printer([
  name,
  column('Class', (o) => text(at(o, 'spec', 'ingressClassName'))),
  column('Hosts', ingressHosts),
  column('Address', loadBalancerAddresses),
  column('Ports', (o) => (list(at(o, 'spec', 'tls')).length ? '80, 443' : '80')),
  age,
]);

const ingressClassPrinter = printer([
  name,
  column('Controller', (o) => text(at(o, 'spec', 'controller'), '')),
  column('Parameters', (o) => {
    const parameters = at(o, 'spec', 'parameters') as Loose | undefined;
    if (!parameters) return '<none>';
    const group = typeof parameters.apiGroup === 'string' ? `.${parameters.apiGroup}` : '';
    return `${text(parameters.kind, '')}${group}/${text(parameters.name, '')}`;
  }),
  age,
]);

const networkPolicyPrinter = printer([
  name,
  column('Pod-Selector', (o) => formatLabelSelector(at(o, 'spec', 'podSelector'))),
  age,
]);

/** The first three of a list, `+ N more...` after them, `<unset>` when empty (discovery printers). */
function firstThree(values: string[]): string {
  if (values.length === 0) return '<unset>';
  const shown = values.slice(0, 3).join(',');
  return values.length > 3 ? `${shown} + ${values.length - 3} more...` : shown;
}

const endpointSlicePrinter = printer([
  name,
  column('AddressType', (o) => text(o.addressType, '')),
  column('Ports', (o) =>
    firstThree(
      list(o.ports).map((port) => (typeof port.port === 'number' ? String(port.port) : text(port.name, '*'))),
    ),
  ),
  column('Endpoints', (o) =>
    firstThree(
      list(o.endpoints).flatMap((endpoint) =>
        Array.isArray(endpoint.addresses) ? endpoint.addresses.map(String) : [],
      ),
    ),
  ),
  age,
]);

/** `cpu: 500m/2, pods: 3/10`: used/hard per resource, sorted, requests and limits apart. */
function quotaColumn(o: Loose, limits: boolean): string {
  const hard = (at(o, 'status', 'hard') ?? at(o, 'spec', 'hard') ?? {}) as Loose;
  const used = (at(o, 'status', 'used') ?? {}) as Loose;
  return Object.keys(hard)
    .sort()
    .filter((resource) => resource.startsWith('limits.') === limits)
    .map((resource) => `${resource}: ${text(used[resource], '0')}/${text(hard[resource], '0')}`)
    .join(', ');
}

const resourceQuotaPrinter = printer([
  name,
  column('Request', (o) => quotaColumn(o, false)),
  column('Limit', (o) => quotaColumn(o, true)),
  age,
]);

const serviceAccountPrinter = printer([name, column('Secrets', (o) => list(o.secrets).length, integer), age]);

/** Users, groups and service accounts (`namespace:name`) of a binding, for `-o wide`. */
function subjects(o: Loose, kind: string): string {
  return list(o.subjects)
    .filter((subject) => subject.kind === kind)
    .map((subject) =>
      kind === 'ServiceAccount'
        ? `${text(subject.namespace, '')}:${text(subject.name, '')}`
        : text(subject.name, ''),
    )
    .join(', ');
}

const bindingPrinter = printer([
  name,
  column('Role', (o) => `${text(at(o, 'roleRef', 'kind'), '')}/${text(at(o, 'roleRef', 'name'), '')}`),
  age,
  column('Users', (o) => subjects(o, 'User'), wide),
  column('Groups', (o) => subjects(o, 'Group'), wide),
  column('ServiceAccounts', (o) => subjects(o, 'ServiceAccount'), wide),
]);

const priorityClassPrinter = printer([
  name,
  column('Value', (o) => count(o.value), integer),
  column('Global-Default', (o) => o.globalDefault === true, { type: 'boolean' }),
  age,
  column('PreemptionPolicy', (o) => text(o.preemptionPolicy, ''), wide),
]);

const webhookPrinter = printer([name, column('Webhooks', (o) => list(o.webhooks).length, integer), age]);

/** Printers of storage, networking, quota and RBAC kinds, keyed `group/plural`. */
export const clusterPrinters: Record<string, TablePrinter> = {
  '/persistentvolumeclaims': persistentVolumeClaimPrinter,
  '/persistentvolumes': persistentVolumePrinter,
  '/resourcequotas': resourceQuotaPrinter,
  '/serviceaccounts': serviceAccountPrinter,
  '/secrets': printer([
    name,
    column('Type', (o) => text(o.type, '')),
    column('Data', (o) => Object.keys((o.data ?? {}) as Loose).length, integer),
    age,
  ]),
  'storage.k8s.io/storageclasses': storageClassPrinter,
  'storage.k8s.io/volumeattachments': volumeAttachmentPrinter,
  'storage.k8s.io/csinodes': printer([
    name,
    column('Drivers', (o) => list(at(o, 'spec', 'drivers')).length, integer),
    age,
  ]),
  'networking.k8s.io/ingresses': ingressPrinter,
  'networking.k8s.io/ingressclasses': ingressClassPrinter,
  'networking.k8s.io/networkpolicies': networkPolicyPrinter,
  'discovery.k8s.io/endpointslices': endpointSlicePrinter,
  'rbac.authorization.k8s.io/rolebindings': bindingPrinter,
  'rbac.authorization.k8s.io/clusterrolebindings': bindingPrinter,
  'scheduling.k8s.io/priorityclasses': priorityClassPrinter,
  'coordination.k8s.io/leases': printer([
    name,
    column('Holder', (o) => text(at(o, 'spec', 'holderIdentity'), '')),
    age,
  ]),
  'node.k8s.io/runtimeclasses': printer([name, column('Handler', (o) => text(o.handler, '')), age]),
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': webhookPrinter,
  'admissionregistration.k8s.io/validatingwebhookconfigurations': webhookPrinter,
};
