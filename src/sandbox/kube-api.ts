import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Scenario } from './scenario-types.js';
import type { KubeResource } from './kube-resources.js';
import type { KubeStore } from './kube-store.js';
import { createKubeStore, listResourceVersion, listTypeOf } from './kube-store.js';
import {
  apiGroupDocument,
  apiGroupList,
  apiResourceList,
  apiVersions,
  sandboxKubeVersion,
} from './kube-discovery.js';
import { compileFieldSelector, compileLabelSelector } from './kube-selectors.js';
import { buildMetadataResponse, buildTable, negotiateShape } from './kube-table.js';
import { createObject } from './kube-create.js';
import { writeDeployment, type WriteLog } from './kube-write.js';
import { pageOf } from './kube-paging.js';
import { describeClockShift, shiftTimes } from './kube-clock.js';
import { answerReview, isReview } from './kube-access-review.js';
import { createRbacAuthorizer } from './kube-rbac.js';
import type { RbacAuthorizer } from './kube-rbac.js';
import { parseLogQuery, podLogText } from './kube-logs.js';
import { KubeStatusError, badRequest, methodNotAllowed, notFound, unknownPath } from './kube-status.js';
import { listenLocal, pathSegments, sendJson, sendText } from './local-http.js';
import type { LocalServer } from './local-http.js';

/** Where a request points once the `/api/v1` or `/apis/<group>/<version>` prefix is read. */
interface ResourcePath {
  resource: KubeResource;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

function resolveResourcePath(store: KubeStore, group: string, version: string, rest: string[]): ResourcePath {
  const namespaced = rest[0] === 'namespaces' && rest.length >= 3;
  const namespace = namespaced ? rest[1] : undefined;
  const [plural, name, subresource, ...extra] = namespaced ? rest.slice(2) : rest;
  const resource = store.resources.find(
    (r) => r.group === group && r.version === version && r.plural === plural,
  );
  // A namespaced resource read by name needs its namespace; a cluster-scoped one has none.
  if (
    !resource ||
    extra.length > 0 ||
    (namespaced && !resource.namespaced) ||
    (!namespaced && name && resource.namespaced)
  ) {
    throw unknownPath();
  }
  return { resource, namespace, name, subresource };
}

function serveObjects(
  store: KubeStore,
  path: ResourcePath,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  clockShiftMs: number,
): void {
  const { resource, namespace, name } = path;
  const reply = (answer: unknown) => sendJson(res, 200, shiftTimes(answer, clockShiftMs));
  const shape = negotiateShape(req.headers.accept);
  const params = url.searchParams;
  if (params.get('watch') === 'true' || params.get('watch') === '1') {
    throw badRequest('the sandbox cluster does not support watch: it replays a fixed scenario');
  }
  if (name !== undefined) {
    const object = store.get(resource, namespace, name);
    if (!object) throw notFound(resource.plural, name, resource.group);
    if (shape.as === 'Table') {
      const options = {
        apiVersion: shape.apiVersion,
        includeObject: params.get('includeObject'),
        now: store.now,
        resourceVersion: listResourceVersion,
        printer: store.customPrinters[`${resource.group}/${resource.plural}`],
      };
      return reply(buildTable(resource, [object], options));
    }
    if (shape.as === 'PartialObjectMetadata')
      return reply(buildMetadataResponse(object, shape.apiVersion, listResourceVersion));
    return reply(object);
  }
  const labels = compileLabelSelector(params.get('labelSelector'));
  const fields = compileFieldSelector(params.get('fieldSelector'));
  const matching = store.list(resource, namespace).filter((o) => labels(o) && fields(o));
  const { items: objects, metadata } = pageOf(matching, params, listResourceVersion);
  if (shape.as === 'Table') {
    const options = {
      apiVersion: shape.apiVersion,
      includeObject: params.get('includeObject'),
      now: store.now,
      resourceVersion: listResourceVersion,
      printer: store.customPrinters[`${resource.group}/${resource.plural}`],
    };
    return reply({ ...buildTable(resource, objects, options), metadata });
  }
  if (shape.as === 'PartialObjectMetadata') {
    const list = buildMetadataResponse(objects, shape.apiVersion, listResourceVersion);
    return reply({ ...list, metadata });
  }
  reply({ ...listTypeOf(resource), metadata, items: objects });
}

function servePodLog(
  store: KubeStore,
  scenario: Scenario,
  path: ResourcePath,
  res: ServerResponse,
  url: URL,
): void {
  const pod = store.get(path.resource, path.namespace, path.name ?? '');
  if (!pod) throw notFound('pods', path.name ?? '');
  sendText(res, 200, podLogText(pod, scenario.logs, parseLogQuery(url.searchParams), store.now));
}

async function route(
  clock: () => Date,
  store: KubeStore,
  writes: WriteLog,
  authorizer: RbacAuthorizer,
  scenario: Scenario,
  serverAddress: string,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const segments = pathSegments(url.pathname);
  const method = req.method ?? 'GET';
  const [root, first, second] = segments;
  if (segments.length === 1 && (root === 'healthz' || root === 'readyz' || root === 'livez'))
    return sendText(res, 200, 'ok');
  if (segments.length === 1 && root === 'version') return sendJson(res, 200, sandboxKubeVersion);
  // Not a Kubernetes path: what the sandbox cluster took, for tests and for people to check.
  if (segments.length === 2 && root === '_sandbox' && first === 'writes' && method === 'GET')
    return sendJson(res, 200, writes);
  const writing = method === 'PATCH' || method === 'PUT';
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST' && !writing) throw methodNotAllowed(method);
  let group: string;
  let version: string;
  let rest: string[];
  if (root === 'api') {
    if (segments.length === 1) return sendJson(res, 200, apiVersions(serverAddress));
    [group, version, rest] = ['', first ?? '', segments.slice(2)];
  } else if (root === 'apis') {
    if (segments.length === 1) return sendJson(res, 200, apiGroupList(store.resources));
    if (segments.length === 2) {
      const document = apiGroupDocument(store.resources, first ?? '');
      if (!document) throw unknownPath();
      return sendJson(res, 200, document);
    }
    [group, version, rest] = [first ?? '', second ?? '', segments.slice(3)];
  } else {
    throw unknownPath();
  }
  if (writing) {
    // Deployments in the scenario's namespace only: a rollback (kube-write.ts).
    if (rest.length === 0) throw methodNotAllowed(method);
    const target = resolveResourcePath(store, group, version, rest);
    return writeDeployment(store, writes, scenario.namespace, target, req, res, url);
  }
  if (method === 'POST') {
    // Creation is a POST to a collection; a few kinds only (kube-create.ts).
    if (rest.length === 0) throw methodNotAllowed(method);
    const target = resolveResourcePath(store, group, version, rest);
    if (target.name !== undefined) throw methodNotAllowed(method);
    if (isReview(target.resource))
      return answerReview(authorizer, target.resource, target.namespace, req, res);
    return createObject(store, target.resource, target.namespace, req, res, url);
  }
  if (rest.length === 0) {
    const list = apiResourceList(store.resources, group, version);
    if (!list) throw unknownPath();
    return sendJson(res, 200, list);
  }
  const path = resolveResourcePath(store, group, version, rest);
  // Reviews are answered, never stored: there is nothing to get or list.
  if (!path.resource.verbs.includes('get')) throw methodNotAllowed(method);
  if (path.subresource === undefined) {
    return serveObjects(store, path, req, res, url, describeClockShift(req, store.now, clock()));
  }
  if (path.resource.group === '' && path.resource.plural === 'pods' && path.subresource === 'log') {
    return servePodLog(store, scenario, path, res, url);
  }
  throw unknownPath();
}

/**
 * Serve a scenario's cluster as a Kubernetes API on 127.0.0.1, close enough to the real one that
 * kubectl, @kubernetes/client-node and client-go based MCP servers work unmodified. It is read-only
 * but for creating ConfigMaps, Leases and Jobs, which the triggers' dedupe and dispatch need, for
 * changing Deployments of the scenario's namespace (a rollback, kube-write.ts; listed at
 * `GET /_sandbox/writes`), and for access reviews, answered from the scenario's RBAC objects
 * (kube-access-review.ts).
 */
export async function startKubernetesApi(
  scenario: Scenario,
  options: { clock?: () => Date } = {},
): Promise<LocalServer> {
  const clock = options.clock ?? (() => new Date());
  const store = createKubeStore(scenario);
  const authorizer = createRbacAuthorizer(scenario.objects);
  const writes: WriteLog = { writes: [], dryRuns: [] };
  let serverAddress = '127.0.0.1';
  const server = await listenLocal('kubernetes', async (req, res, url) => {
    try {
      await route(clock, store, writes, authorizer, scenario, serverAddress, req, res, url);
    } catch (error) {
      if (!(error instanceof KubeStatusError)) throw error;
      sendJson(res, error.status.code, error.status);
    }
  });
  serverAddress = `127.0.0.1:${server.port}`;
  return server;
}
