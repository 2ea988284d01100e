import { join } from 'node:path';
import {
  ApisApi,
  AppsV1Api,
  AuthorizationV1Api,
  CoreApi,
  CoreV1Api,
  KubeConfig,
  VersionApi,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox } from '../src/sandbox/sandbox.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';

const fixture = join(import.meta.dirname, 'fixtures', 'scenarios', 'shop-checkout');
// What kubectl sends for `get`: a Table if the server can, plain JSON otherwise.
const tableAccept =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

let sandbox: Sandbox;
let kubeConfig: KubeConfig;

beforeAll(async () => {
  sandbox = await startSandbox(await loadScenario(fixture));
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sandbox.kubeconfigPath);
});
afterAll(() => sandbox.close());

async function get(
  path: string,
  accept = 'application/json',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sandbox.urls.kubernetes}${path}`, { headers: { accept } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface Table {
  kind: string;
  apiVersion: string;
  columnDefinitions: { name: string; priority: number }[];
  rows: { cells: unknown[]; object?: { kind?: string; metadata: { name: string }; spec?: unknown } }[];
}

describe('discovery', () => {
  it('serves /version, /api and /apis through the client library', async () => {
    expect((await kubeConfig.makeApiClient(VersionApi).getCode()).gitVersion).toBe('v1.32.4');
    expect((await kubeConfig.makeApiClient(CoreApi).getAPIVersions()).versions).toEqual(['v1']);
    const groups = await kubeConfig.makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toEqual(
      expect.arrayContaining(['apps', 'batch', 'events.k8s.io', 'authorization.k8s.io', 'networking.k8s.io']),
    );
    expect(groups.groups.find((g) => g.name === 'apps')?.preferredVersion?.groupVersion).toBe('apps/v1');
  });

  it('lists core resources with kind, scope, verbs and short names', async () => {
    const list = await kubeConfig.makeApiClient(CoreV1Api).getAPIResources();
    const byName = new Map(list.resources.map((r) => [r.name, r]));
    expect(list.groupVersion).toBe('v1');
    expect(byName.get('pods')).toMatchObject({
      kind: 'Pod',
      namespaced: true,
      shortNames: ['po'],
      verbs: expect.arrayContaining(['get', 'list']),
    });
    expect(byName.get('pods/log')).toMatchObject({ kind: 'Pod', verbs: ['get'] });
    const shortNames = Object.fromEntries(
      list.resources.map((r) => [r.name, [r.namespaced, ...(r.shortNames ?? [])]]),
    );
    expect(shortNames).toMatchObject({
      services: [true, 'svc'],
      configmaps: [true, 'cm'],
      events: [true, 'ev'],
      nodes: [false, 'no'],
      namespaces: [false, 'ns'],
      endpoints: [true, 'ep'],
    });
    const appsList = await kubeConfig.makeApiClient(AppsV1Api).getAPIResources();
    expect(appsList.resources.filter((r) => r.shortNames?.length).map((r) => [r.name, r.shortNames])).toEqual(
      expect.arrayContaining([
        ['deployments', ['deploy']],
        ['replicasets', ['rs']],
      ]),
    );
  });

  it('answers /apis/<group> and 404s unknown groups and versions', async () => {
    expect((await get('/apis/apps')).body).toMatchObject({ kind: 'APIGroup', name: 'apps' });
    expect((await get('/apis/unknown.example.com/v1')).status).toBe(404);
    expect((await get('/api/v2')).status).toBe(404);
    expect((await get('/api/v1/widgets')).body).toMatchObject({
      kind: 'Status',
      code: 404,
      reason: 'NotFound',
    });
  });
});

describe('SelfSubjectAccessReview', () => {
  it('allows everything, through the client library', async () => {
    const review = await kubeConfig.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'shop' } } },
    });
    expect(review.status?.allowed).toBe(true);
  });

  it('does not parse a protobuf body', async () => {
    const response = await fetch(
      `${sandbox.urls.kubernetes}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.kubernetes.protobuf', accept: 'application/json' },
        body: Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x0e, 0xff, 0x01]),
      },
    );
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      kind: 'SelfSubjectAccessReview',
      status: { allowed: true },
    });
  });
});

describe('Table responses', () => {
  it('prints pods like kubectl, wide columns at priority 1, with PartialObjectMetadata by default', async () => {
    const { body } = await get('/api/v1/namespaces/shop/pods', tableAccept);
    const table = body as unknown as Table;
    expect(table.kind).toBe('Table');
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
    expect(table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
    ]);
    expect(
      table.columnDefinitions
        .filter((c) => c.priority === 1)
        .map((c) => c.name)
        .slice(0, 2),
    ).toEqual(['IP', 'Node']);
    expect(table.rows[0]?.cells.slice(0, 7)).toEqual([
      'checkoutservice-6d5f8b7c9-k2x7p',
      '0/1',
      'CrashLoopBackOff',
      '4 (2m15s ago)',
      '20m',
      '10.4.0.17',
      'gke-shop-pool-1-a1b2',
    ]);
    expect(table.rows[0]?.object).toMatchObject({
      kind: 'PartialObjectMetadata',
      metadata: { name: 'checkoutservice-6d5f8b7c9-k2x7p' },
    });
    expect(table.rows[0]?.object?.spec).toBeUndefined();
  });

  it('honours includeObject=Object and includeObject=None', async () => {
    const full = (await get('/api/v1/namespaces/shop/pods?includeObject=Object', tableAccept))
      .body as unknown as Table;
    expect(full.rows[0]?.object).toMatchObject({ kind: 'Pod', spec: { nodeName: 'gke-shop-pool-1-a1b2' } });
    const none = (await get('/api/v1/namespaces/shop/pods?includeObject=None', tableAccept))
      .body as unknown as Table;
    expect(none.rows[0]).not.toHaveProperty('object');
  });

  it('prints deployments, events, and default columns for other kinds; a single get is a one-row table', async () => {
    const deployments = (await get('/apis/apps/v1/namespaces/shop/deployments', tableAccept))
      .body as unknown as Table;
    expect(deployments.rows.map((r) => r.cells.slice(0, 5))).toEqual([
      ['checkoutservice', '0/1', 1, 0, '50d'],
      ['paymentservice', '1/1', 1, 1, '50d'],
    ]);
    const events = (await get('/api/v1/namespaces/shop/events?fieldSelector=type%3DWarning', tableAccept))
      .body as unknown as Table;
    expect(events.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual([
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Message',
    ]);
    expect(events.rows).toHaveLength(1);
    // Kinds without a printer (Role) get the API server's default columns; a kind absent from the
    // scenario lists as empty.
    const roles = (await get('/apis/rbac.authorization.k8s.io/v1/namespaces/shop/roles', tableAccept))
      .body as unknown as Table;
    expect(roles.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Created At']);
    expect(roles.rows).toEqual([]);
    const one = (await get('/api/v1/nodes/gke-shop-pool-1-a1b2', tableAccept)).body as unknown as Table;
    expect(one.rows.map((r) => r.cells.slice(0, 5))).toEqual([
      ['gke-shop-pool-1-a1b2', 'Ready', 'worker', '79d', 'v1.31.4-gke.1183000'],
    ]);
  });

  it('serves PartialObjectMetadataList to metadata-only clients', async () => {
    const { body } = await get(
      '/apis/apps/v1/deployments',
      'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
    );
    expect(body).toMatchObject({
      kind: 'PartialObjectMetadataList',
      items: [{ metadata: { name: 'checkoutservice' } }, { metadata: { name: 'paymentservice' } }],
    });
  });
});

describe('plain lists and errors', () => {
  it('gives lists their kind, apiVersion and resourceVersion', async () => {
    const { body } = await get('/apis/apps/v1/namespaces/shop/replicasets');
    expect(body).toMatchObject({
      kind: 'ReplicaSetList',
      apiVersion: 'apps/v1',
      metadata: { resourceVersion: expect.any(String) },
    });
  });

  it('answers 400 for watch, which a replay cannot serve, and for a bad includeObject', async () => {
    expect((await get('/api/v1/namespaces/shop/pods?watch=true')).status).toBe(400);
    expect((await get('/api/v1/namespaces/shop/pods?includeObject=All', tableAccept)).status).toBe(400);
  });

  it('needs no authentication', async () => {
    const response = await fetch(`${sandbox.urls.kubernetes}/api/v1/namespaces/shop/pods`);
    expect(response.status).toBe(200);
  });
});
