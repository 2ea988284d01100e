import { createHash } from 'node:crypto';
import type { KubeObject, Scenario } from './scenario-types.js';
import {
  builtinResources,
  groupVersionOf,
  isClusterScopedKind,
  resourceForObject,
} from './kube-resources.js';
import type { KubeResource } from './kube-resources.js';
import { derivedEndpointObjects } from './kube-endpoints.js';
import { customResources } from './kube-crd.js';
import type { TablePrinter } from './kube-columns.js';

/** The scenario's objects indexed by resource, as the local API server reads them. */
export interface KubeStore {
  /** Builtin resources plus any custom kinds the scenario holds, in discovery order. */
  resources: KubeResource[];
  /** The scenario's clock, for ages and `sinceSeconds`. */
  now: Date;
  /** `kubectl get` columns of the scenario's custom resources, keyed `group/plural`. */
  customPrinters: Record<string, TablePrinter>;
  /** Objects of a resource, in one namespace or (undefined) all of them, sorted like etcd. */
  list(resource: KubeResource, namespace: string | undefined): KubeObject[];
  get(resource: KubeResource, namespace: string | undefined, name: string): KubeObject | undefined;
  /**
   * Add an object the way the API server's create does: server fields filled, or `undefined` when
   * an object of that name already exists (the caller answers 409 AlreadyExists).
   */
  add(resource: KubeResource, object: KubeObject): KubeObject | undefined;
  /**
   * Store `object` in place of the one of the same namespace and name (or beside them when there
   * is none), as given: the caller (kube-write.ts) has already set the server fields.
   */
  replace(resource: KubeResource, object: KubeObject): void;
  /** A resource version newer than every one the store holds, as etcd's revision only grows. */
  nextResourceVersion(): string;
}

const resourceVersion = '1000';

function resourceKey(resource: Pick<KubeResource, 'group' | 'plural'>): string {
  return `${resource.group}/${resource.plural}`;
}

/** A stable uid so that repeated reads of the same object agree. */
function stableUid(text: string): string {
  const hex = createHash('sha1').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Fill what a real server always sets, without touching what the scenario wrote. */
function withServerFields(object: KubeObject, fallbackCreated: string): KubeObject {
  const { metadata } = object;
  const key = `${object.apiVersion}/${object.kind}/${metadata.namespace ?? ''}/${metadata.name}`;
  return {
    ...object,
    metadata: {
      ...metadata,
      uid: metadata.uid ?? stableUid(key),
      resourceVersion: metadata.resourceVersion ?? resourceVersion,
      creationTimestamp: metadata.creationTimestamp ?? fallbackCreated,
    },
  };
}

/** A core/v1 Event as events.k8s.io/v1 serves it (the same event, newer field names). */
function toEventsV1(event: KubeObject): KubeObject {
  const e = event as KubeObject & Record<string, unknown>;
  const source = (e.source ?? {}) as { component?: string; host?: string };
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: e.metadata,
    eventTime: e.eventTime ?? null,
    reportingController: e.reportingComponent || source.component || '',
    reportingInstance: e.reportingInstance || source.host || '',
    action: e.action ?? '',
    reason: e.reason,
    regarding: e.involvedObject,
    ...(e.related ? { related: e.related } : {}),
    note: e.message,
    type: e.type,
    ...(e.series ? { series: e.series } : {}),
    deprecatedSource: e.source,
    deprecatedFirstTimestamp: e.firstTimestamp,
    deprecatedLastTimestamp: e.lastTimestamp,
    deprecatedCount: e.count,
  };
}

/** Namespaces every namespaced object lives in, for scenarios that did not list them. */
function impliedNamespaces(objects: KubeObject[], scenarioNamespace: string, created: string): KubeObject[] {
  const declared = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const used = new Set([scenarioNamespace, 'default', 'kube-system']);
  for (const object of objects) if (object.metadata.namespace) used.add(object.metadata.namespace);
  return [...used]
    .filter((name) => !declared.has(name))
    .map((name) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name }, creationTimestamp: created },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    }));
}

/**
 * Give events the uid of the object they are about, as the real cluster does, so that
 * `kubectl describe` (which selects events by `involvedObject.uid`) finds them.
 */
function linkEventsToObjects(byResource: Map<string, KubeObject[]>): void {
  const uids = new Map<string, unknown>();
  for (const list of byResource.values()) {
    for (const o of list)
      uids.set(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o.metadata.uid);
  }
  for (const key of ['/events', 'events.k8s.io/events']) {
    for (const event of byResource.get(key) ?? []) {
      const field = key === '/events' ? 'involvedObject' : 'regarding';
      const involved = event[field] as
        { kind?: string; namespace?: string; name?: string; uid?: string } | undefined;
      if (!involved || involved.uid) continue;
      const uid = uids.get(`${involved.kind ?? ''}/${involved.namespace ?? ''}/${involved.name ?? ''}`);
      if (typeof uid === 'string') event[field] = { ...involved, uid };
    }
  }
}

function compareObjects(a: KubeObject, b: KubeObject): number {
  const byNamespace = (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '');
  return byNamespace !== 0 ? byNamespace : a.metadata.name.localeCompare(b.metadata.name);
}

/** Index a scenario's objects by resource for the local Kubernetes API. */
export function createKubeStore(scenario: Scenario): KubeStore {
  const now = new Date(scenario.now);
  // Objects without a creation time are as old as the oldest object, and at least a month old:
  // old enough not to look like part of the incident.
  const times = scenario.objects
    .map((o) => Date.parse(o.metadata.creationTimestamp ?? ''))
    .filter((t) => !Number.isNaN(t));
  const oldest = Math.min(now.getTime() - 30 * 86_400_000, ...times);
  const created = new Date(oldest).toISOString().replace('.000Z', 'Z');
  const objects = [...scenario.objects, ...impliedNamespaces(scenario.objects, scenario.namespace, created)];
  const custom = customResources(objects);
  const resources = [...builtinResources, ...custom.resources];
  const byResource = new Map<string, KubeObject[]>();
  const add = (resource: Pick<KubeResource, 'group' | 'plural'>, object: KubeObject) => {
    const key = resourceKey(resource);
    byResource.set(key, [...(byResource.get(key) ?? []), object]);
  };
  const served = objects.map((raw) => withServerFields(raw, created));
  for (const object of [...served, ...derivedEndpointObjects(served)]) {
    const resource = resourceForObject(
      object.apiVersion,
      object.kind,
      !isClusterScopedKind(object.kind),
      resources,
    );
    if (!resources.some((r) => resourceKey(r) === resourceKey(resource))) resources.push(resource);
    // A custom kind its CRD declares cluster-scoped has no namespace, whatever the parser guessed.
    if (!resource.namespaced && object.metadata.namespace !== undefined) {
      const { namespace: _dropped, ...metadata } = object.metadata;
      add(resource, { ...object, metadata });
    } else {
      add(resource, object);
    }
    if (resource.group === '' && resource.plural === 'events') {
      add({ group: 'events.k8s.io', plural: 'events' }, toEventsV1(object));
    }
  }
  for (const list of byResource.values()) list.sort(compareObjects);
  linkEventsToObjects(byResource);
  let createdCount = 0;
  let newestVersion = Math.max(
    Number(resourceVersion),
    ...served.map((o) => Number(o.metadata.resourceVersion)).filter((v) => Number.isFinite(v)),
  );
  const get: KubeStore['get'] = (resource, namespace, name) =>
    (byResource.get(resourceKey(resource)) ?? []).find(
      (o) => o.metadata.name === name && (!resource.namespaced || o.metadata.namespace === namespace),
    );
  return {
    resources,
    now,
    customPrinters: custom.printers,
    add: (resource, object) => {
      if (get(resource, object.metadata.namespace, object.metadata.name)) return undefined;
      createdCount += 1;
      // Created objects are newer than the scenario's own: later resource versions, created "now".
      const stored: KubeObject = {
        ...object,
        metadata: {
          ...object.metadata,
          uid: stableUid(`created/${createdCount}/${object.kind}/${object.metadata.name}`),
          resourceVersion: String(Number(resourceVersion) + createdCount),
          creationTimestamp: now.toISOString().replace('.000Z', 'Z'),
        },
      };
      const list = [...(byResource.get(resourceKey(resource)) ?? []), stored].sort(compareObjects);
      byResource.set(resourceKey(resource), list);
      return stored;
    },
    replace: (resource, object) => {
      const others = (byResource.get(resourceKey(resource)) ?? []).filter(
        (o) =>
          o.metadata.name !== object.metadata.name ||
          (resource.namespaced && o.metadata.namespace !== object.metadata.namespace),
      );
      byResource.set(resourceKey(resource), [...others, object].sort(compareObjects));
    },
    nextResourceVersion: () => {
      newestVersion += 1;
      return String(newestVersion);
    },
    list: (resource, namespace) =>
      (byResource.get(resourceKey(resource)) ?? []).filter(
        (o) => namespace === undefined || !resource.namespaced || o.metadata.namespace === namespace,
      ),
    get,
  };
}

/** `metadata.resourceVersion` of every list: the scenario never changes. */
export const listResourceVersion = resourceVersion;

/** `kind` of a list response (`PodList`) and its `apiVersion`. */
export function listTypeOf(resource: KubeResource): { kind: string; apiVersion: string } {
  return { kind: `${resource.kind}List`, apiVersion: groupVersionOf(resource.group, resource.version) };
}
