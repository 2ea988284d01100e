import { createHash } from 'node:crypto';
import type { KubeObject } from './scenario-types.js';

// What the endpoints, endpointslice and endpointslice-mirroring controllers would have written for
// the scenario's Services, so that `kubectl get endpoints,endpointslices` and every client that
// reads them see what a real cluster shows. Objects the scenario gives itself always win.

type Loose = Record<string, unknown>;

interface EndpointAddress {
  ip: string;
  nodeName?: string;
  targetRef?: { kind: 'Pod'; namespace: string; name: string; uid: string };
}
interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}
interface Subset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

const record = (value: unknown): Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : {};
const records = (value: unknown): Loose[] => (Array.isArray(value) ? value.map(record) : []);
const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function selects(selector: Record<string, string>, pod: KubeObject): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** A pod the endpoints controller lists: it has an IP, is not finished and is not being deleted. */
function isEndpointCandidate(pod: KubeObject): boolean {
  const status = record(pod.status);
  const phase = status.phase;
  return (
    typeof status.podIP === 'string' &&
    status.podIP !== '' &&
    phase !== 'Succeeded' &&
    phase !== 'Failed' &&
    !pod.metadata.deletionTimestamp
  );
}

function isPodReady(pod: KubeObject): boolean {
  return records(record(pod.status).conditions).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The container port a Service port sends to on this pod; undefined when a named port matches none. */
function resolveTargetPort(servicePort: Loose, pod: KubeObject): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  const containers = records(record(pod.spec).containers);
  const declared = containers.flatMap((c) => records(c.ports)).find((p) => p.name === target);
  return typeof declared?.containerPort === 'number' ? declared.containerPort : undefined;
}

function addressOf(pod: KubeObject): EndpointAddress {
  const nodeName = record(pod.spec).nodeName;
  return {
    ip: String(record(pod.status).podIP),
    ...(typeof nodeName === 'string' && nodeName ? { nodeName } : {}),
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name,
      uid: String(pod.metadata.uid ?? ''),
    },
  };
}

/** Subsets of the pods a selector picks, grouped by the ports each pod resolves, as the controller packs them. */
function subsetsFromPods(service: KubeObject, pods: KubeObject[]): Subset[] {
  const spec = record(service.spec);
  const servicePorts = records(spec.ports);
  const publishNotReady = spec.publishNotReadyAddresses === true;
  const groups = new Map<string, Subset>();
  for (const pod of pods) {
    const ports = servicePorts.flatMap((servicePort): EndpointPort[] => {
      const port = resolveTargetPort(servicePort, pod);
      if (port === undefined) return [];
      return [
        {
          ...(typeof servicePort.name === 'string' && servicePort.name ? { name: servicePort.name } : {}),
          port,
          protocol: typeof servicePort.protocol === 'string' ? servicePort.protocol : 'TCP',
          ...(typeof servicePort.appProtocol === 'string' ? { appProtocol: servicePort.appProtocol } : {}),
        },
      ];
    });
    // A pod none of whose ports resolve receives no traffic: it is left out, as the controller does.
    if (servicePorts.length > 0 && ports.length === 0) continue;
    const key = JSON.stringify(ports);
    const subset = groups.get(key) ?? { ports };
    const field = publishNotReady || isPodReady(pod) ? 'addresses' : 'notReadyAddresses';
    subset[field] = [...(subset[field] ?? []), addressOf(pod)];
    groups.set(key, subset);
  }
  const byIp = (a: EndpointAddress, b: EndpointAddress) => a.ip.localeCompare(b.ip, 'en', { numeric: true });
  return [...groups.values()].map((subset) => ({
    ...(subset.addresses ? { addresses: subset.addresses.sort(byIp) } : {}),
    ...(subset.notReadyAddresses ? { notReadyAddresses: subset.notReadyAddresses.sort(byIp) } : {}),
    ...(subset.ports?.length ? { ports: subset.ports } : {}),
  }));
}

function derivedEndpoints(service: KubeObject, pods: KubeObject[]): KubeObject {
  const subsets = subsetsFromPods(service, pods);
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      name: service.metadata.name,
      namespace: service.metadata.namespace,
      ...(service.metadata.labels ? { labels: { ...service.metadata.labels } } : {}),
      ...(service.metadata.creationTimestamp
        ? { creationTimestamp: service.metadata.creationTimestamp }
        : {}),
    },
    ...(subsets.length ? { subsets } : {}),
  };
}

/** Five characters from the alphabet of generated names, stable for a given seed. */
function nameSuffix(seed: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = createHash('sha1').update(seed).digest();
  return Array.from({ length: 5 }, (_, i) => alphabet[(bytes[i] ?? 0) % alphabet.length]).join('');
}

/** One EndpointSlice per subset (a placeholder without endpoints when there is none). */
function slicesFromEndpoints(service: KubeObject, endpoints: KubeObject, mirrored: boolean): KubeObject[] {
  const subsets = records(endpoints.subsets) as Subset[];
  const name = service.metadata.name;
  const namespace = service.metadata.namespace ?? '';
  const toEndpoint = (address: EndpointAddress, ready: boolean) => ({
    addresses: [address.ip],
    conditions: { ready, serving: ready, terminating: false },
    ...(address.nodeName ? { nodeName: address.nodeName } : {}),
    ...(address.targetRef ? { targetRef: address.targetRef } : {}),
  });
  const slices = (subsets.length ? subsets : [{}]).map((subset: Subset, index): KubeObject => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${name}-${nameSuffix(`${namespace}/${name}/${index}`)}`,
      generateName: `${name}-`,
      namespace,
      labels: {
        ...(service.metadata.labels ?? {}),
        'kubernetes.io/service-name': name,
        'endpointslice.kubernetes.io/managed-by': mirrored
          ? 'endpointslicemirroring-controller.k8s.io'
          : 'endpointslice-controller.k8s.io',
      },
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          name,
          uid: String(service.metadata.uid ?? ''),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      ...(service.metadata.creationTimestamp
        ? { creationTimestamp: service.metadata.creationTimestamp }
        : {}),
    },
    addressType: 'IPv4',
    endpoints: [
      ...(subset.addresses ?? []).map((a) => toEndpoint(a, true)),
      ...(subset.notReadyAddresses ?? []).map((a) => toEndpoint(a, false)),
    ],
    ports: subset.ports ?? [],
  }));
  return slices;
}

/**
 * The Endpoints and EndpointSlices the controllers would keep for the scenario's Services: from
 * the pods a Service selects, or mirrored from Endpoints the scenario gives for a Service without
 * a selector. ExternalName Services have none. `objects` must already carry uids.
 */
export function derivedEndpointObjects(objects: readonly KubeObject[]): KubeObject[] {
  const ofKind = (apiVersion: string, kind: string) =>
    objects.filter((o) => o.apiVersion === apiVersion && o.kind === kind);
  const givenEndpoints = new Map(ofKind('v1', 'Endpoints').map((e) => [keyOf(e), e]));
  const slicedServices = new Set(
    ofKind('discovery.k8s.io/v1', 'EndpointSlice').map(
      (s) => `${s.metadata.namespace ?? ''}/${s.metadata.labels?.['kubernetes.io/service-name'] ?? ''}`,
    ),
  );
  const pods = ofKind('v1', 'Pod').filter(isEndpointCandidate);
  const derived: KubeObject[] = [];
  for (const service of ofKind('v1', 'Service')) {
    const spec = record(service.spec);
    if (spec.type === 'ExternalName') continue;
    const selector = Object.fromEntries(
      Object.entries(record(spec.selector)).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
    const hasSelector = Object.keys(selector).length > 0;
    let endpoints = givenEndpoints.get(keyOf(service));
    if (!endpoints && hasSelector) {
      endpoints = derivedEndpoints(
        service,
        pods.filter((pod) => pod.metadata.namespace === service.metadata.namespace && selects(selector, pod)),
      );
      derived.push(endpoints);
    }
    if (endpoints && !slicedServices.has(keyOf(service))) {
      derived.push(...slicesFromEndpoints(service, endpoints, !hasSelector));
    }
  }
  return derived;
}
