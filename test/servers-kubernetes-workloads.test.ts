import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { kubernetesDepsFromEnv } from '../src/servers/kubernetes/from-env.js';
import type { GetDeploymentOutput } from '../src/servers/kubernetes/get-deployment.js';
import type { ListDeploymentsOutput } from '../src/servers/kubernetes/list-deployments.js';
import type { ListPodsOutput } from '../src/servers/kubernetes/list-pods.js';
import { createKubernetesServer } from '../src/servers/kubernetes/server.js';

const ordersDir = fileURLToPath(new URL('./fixtures/scenarios/servers/orders-oom', import.meta.url));
const cartDir = fileURLToPath(new URL('../scenarios/cart-service-loafers', import.meta.url));

type Call = <T = unknown>(
  name: string,
  args: Record<string, unknown>,
) => Promise<CallToolResult & { text: string; data: T }>;

/** A client of a Kubernetes server over the sandbox of a scenario, reading only `namespaces`. */
async function connect(dir: string, namespaces: string[]) {
  const sandbox: Sandbox = await startSandbox(await loadScenario(dir));
  const created = createKubernetesServer(kubernetesDepsFromEnv({ ...sandbox.env }, namespaces));
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await created.server.connect(serverTransport);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(clientTransport);
  const call: Call = async <T>(name: string, args: Record<string, unknown>) => {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    const first = result.content[0];
    return { ...result, text: first?.type === 'text' ? first.text : '', data: result.structuredContent as T };
  };
  const close = async () => {
    await client.close();
    await created.cleanup();
    await sandbox.close();
  };
  return { call, close };
}

let orders: Awaited<ReturnType<typeof connect>>;
let cart: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  orders = await connect(ordersDir, ['orders']);
  cart = await connect(cartDir, ['default']);
});

afterAll(async () => {
  await orders.close();
  await cart.close();
});

describe('list_pods on an OOMKilled crash loop', () => {
  it('shows owner, waiting reason, last termination and both requests and limits', async () => {
    const result = await orders.call<ListPodsOutput>('list_pods', { service: 'orders' });
    const crashing = result.data.pods.find((pod) => pod.name === 'orders-7f9c8d6b5-abcde');
    expect(crashing).toMatchObject({ ownerKind: 'ReplicaSet', ownerName: 'orders-7f9c8d6b5', restarts: 6 });
    expect(crashing?.containers[0]).toMatchObject({
      state: 'waiting',
      reason: 'CrashLoopBackOff',
      message: expect.stringContaining('back-off 2m40s'),
      lastTermination: { reason: 'OOMKilled', exitCode: 137, finishedAt: '2026-11-20T14:23:40Z' },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '256Mi' } },
    });
    expect(result.text).toContain('owner ReplicaSet/orders-7f9c8d6b5');
    expect(result.text).toContain(
      'waiting CrashLoopBackOff — back-off 2m40s restarting failed container=api',
    );
    expect(result.text).toContain('last terminated: OOMKilled exit 137 (SIGKILL) at 2026-11-20T14:23:40Z');
    expect(result.text).toContain('resources: requests cpu=100m, memory=256Mi; limits memory=256Mi');
  });

  it('says "none" for a container without requests or limits', async () => {
    const result = await orders.call<ListPodsOutput>('list_pods', { service: 'ledger' });
    expect(result.data.pods[0]?.containers[0]?.resources).toEqual({ requests: {}, limits: {} });
    expect(result.text).toContain('resources: requests none; limits none');
  });
});

describe('get_deployment', () => {
  it('resolves a loose name and reports replicas, strategy, selector and conditions', async () => {
    const result = await orders.call<GetDeploymentOutput>('get_deployment', { name: 'orders-service' });
    expect(result.isError).toBeFalsy();
    expect(result.data).toMatchObject({
      name: 'orders',
      namespace: 'orders',
      replicas: { desired: 2, updated: 2, ready: 0, available: 0, unavailable: 2 },
      strategy: 'RollingUpdate (maxSurge 1, maxUnavailable 0)',
      selector: 'app=orders',
      paused: false,
    });
    const lines = result.text.split('\n');
    expect(lines[0]).toBe(
      "Deployment orders in namespace orders (asked 'orders-service', matched by name orders): " +
        'revision 3, RollingUpdate (maxSurge 1, maxUnavailable 0)',
    );
    expect(lines[1]).toBe('replicas: desired 2, updated 2, ready 0, available 0, unavailable 2');
    expect(result.text).toContain(
      'condition Available=False MinimumReplicasUnavailable: Deployment does not have minimum availability. ' +
        '(since 2026-11-20T13:52:00Z)',
    );
  });

  it('shows env names, literal values unless secret-like, and references by source', async () => {
    const result = await orders.call<GetDeploymentOutput>('get_deployment', { name: 'orders' });
    const [api] = result.data.containers;
    expect(api?.env).toEqual([
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'JAVA_OPTS', value: '-Xmx512m' },
      { name: 'DB_PASSWORD', value: '[REDACTED]' },
      { name: 'DATABASE_URL', source: 'from secret orders-db key url' },
      { name: 'FEATURE_FLAGS', source: 'from configmap orders-config key flags' },
      { name: 'POD_NAME', source: 'from field metadata.name' },
    ]);
    expect(api?.envFrom).toEqual(['configmap orders-config']);
    expect(result.text).toContain(
      '  env: LOG_LEVEL=info; JAVA_OPTS=-Xmx512m; DB_PASSWORD=[REDACTED]; DATABASE_URL from secret orders-db key url',
    );
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('describes resources and every probe with its thresholds', async () => {
    const result = await orders.call<GetDeploymentOutput>('get_deployment', { name: 'orders' });
    const [api] = result.data.containers;
    expect(api?.resources).toEqual({
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { memory: '256Mi' },
    });
    expect(api?.probes.map((p) => [p.kind, p.type, p.target, p.failureThreshold])).toEqual([
      ['liveness', 'http', 'GET /healthz port http', 3],
      ['readiness', 'http', 'GET /ready port 8080', 2],
      ['startup', 'exec', 'cat /tmp/started', 30],
    ]);
    expect(result.text).toContain('  resources: requests cpu=100m, memory=256Mi; limits memory=256Mi');
    expect(result.text).toContain(
      '  readiness probe: http GET /ready port 8080; delay 0s, every 5s, timeout 1s, fails after 2',
    );
    expect(result.text).toContain('  args: --port=8080');
  });

  it('lists the rollout history from ReplicaSets, newest revision first', async () => {
    const result = await orders.call<GetDeploymentOutput>('get_deployment', { name: 'orders' });
    expect(result.data.rolloutHistory.map((r) => [r.revision, r.images[0], r.createdAt, r.current])).toEqual([
      [3, 'ghcr.io/acme/orders:2.3.0', '2026-11-20T13:50:12Z', true],
      [2, 'ghcr.io/acme/orders:2.2.1', '2026-11-12T10:03:00Z', false],
      [1, 'ghcr.io/acme/orders:2.2.0', '2026-10-01T09:00:00Z', false],
    ]);
    const history = result.text.slice(result.text.indexOf('rollout history (newest first):')).split('\n');
    expect(history.slice(1)).toEqual([
      '  revision 3 (current) orders-7f9c8d6b5 created 2026-11-20T13:50:12Z: image ghcr.io/acme/orders:2.3.0; ' +
        '2 pod(s), 0 ready; cause: deploy orders 2.3.0 (ci run 812)',
      '  revision 2 orders-6b8d7c5f4 created 2026-11-12T10:03:00Z: image ghcr.io/acme/orders:2.2.1; 0 pod(s), 0 ready',
      '  revision 1 orders-5a7c6b4e3 created 2026-10-01T09:00:00Z: image ghcr.io/acme/orders:2.2.0; 0 pod(s), 0 ready',
    ]);
  });

  it('ties the public scenario rollout to the image of the suspect commit', async () => {
    const result = await cart.call<GetDeploymentOutput>('get_deployment', { name: 'cart-service' });
    expect(result.data.name).toBe('cartservice');
    expect(result.data.rolloutHistory[0]).toMatchObject({
      revision: 2,
      current: true,
      createdAt: '2026-11-20T12:27:41Z',
      images: ['ghcr.io/fuzzylabs/microservices-demo/cartservice:sha-d3bf18b'],
    });
    expect(result.data.rolloutHistory[1]?.images[0]).toContain('sha-67475ce');
    expect(result.data.containers[0]?.envFrom).toEqual(['configmap cartservice-config']);
  });

  it('answers an unknown name with the closest Deployments', async () => {
    const result = await orders.call('get_deployment', { name: 'ordrs' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain(
      "No Deployment matches 'ordrs' in namespace orders. Closest Deployment names: orders",
    );
    expect(result.text).toContain('list_deployments');
  });
});

describe('list_deployments', () => {
  it('gives one line per Deployment with readiness, images and the last rollout', async () => {
    const result = await orders.call<ListDeploymentsOutput>('list_deployments', {});
    expect(result.text.split('\n')).toEqual([
      '3 Deployment(s) in namespace orders, 1 not fully ready:',
      'inventory: 0/0 ready, image ghcr.io/acme/inventory:1.4.2',
      'ledger: 1/1 ready, image ghcr.io/acme/ledger:0.9.1, last rollout 2026-10-01T09:00:00Z (revision 1)',
      'orders: 0/2 ready, image ghcr.io/acme/orders:2.3.0, last rollout 2026-11-20T13:50:12Z (revision 3)',
    ]);
    expect(result.data.deployments.find((d) => d.name === 'orders')).toEqual({
      name: 'orders',
      desired: 2,
      ready: 0,
      updated: 2,
      available: 0,
      images: ['ghcr.io/acme/orders:2.3.0'],
      revision: 3,
      lastRolloutAt: '2026-11-20T13:50:12Z',
    });
  });
});

describe('namespace scope of the workload tools', () => {
  it('refuses every namespaced read outside the allowed namespaces', async () => {
    for (const [tool, args] of [
      ['get_deployment', { name: 'payments-api', namespace: 'payments' }],
      ['list_deployments', { namespace: 'payments' }],
    ] as const) {
      const result = await orders.call(tool, args);
      expect(result.isError).toBe(true);
      expect(result.text).toContain(
        "namespace 'payments' is outside this server's allowed namespaces (orders)",
      );
    }
  });
});
