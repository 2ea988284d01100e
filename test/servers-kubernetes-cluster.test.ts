import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { kubernetesDepsFromEnv } from '../src/servers/kubernetes/from-env.js';
import type { GetServiceOutput } from '../src/servers/kubernetes/get-service.js';
import type { ListConfigMapsOutput } from '../src/servers/kubernetes/list-config-maps.js';
import type { ListEventsOutput } from '../src/servers/kubernetes/list-events.js';
import type { ListNodesOutput } from '../src/servers/kubernetes/list-nodes.js';
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

describe('list_events', () => {
  it('collapses repeats into one line with the total count and first/last times', async () => {
    const result = await orders.call<ListEventsOutput>('list_events', {
      objectName: 'orders-7f9c8d6b5-abcde',
    });
    const backOff = result.data.events.filter((e) => e.reason === 'BackOff');
    expect(backOff).toHaveLength(1);
    expect(backOff[0]).toMatchObject({
      objectKind: 'Pod',
      objectName: 'orders-7f9c8d6b5-abcde',
      count: 8,
      records: 2,
      firstTimestamp: '2026-11-20T14:00:00Z',
      lastTimestamp: '2026-11-20T14:28:30Z',
    });
    expect(result.text.split('\n')[1]).toBe(
      '2026-11-20T14:28:30Z Warning BackOff Pod/orders-7f9c8d6b5-abcde x8 (first 2026-11-20T14:00:00Z): ' +
        'Back-off restarting failed container api in pod orders-7f9c8d6b5-abcde_orders',
    );
  });

  it('adds the Warning events of Nodes to the namespace view, and nothing else from outside it', async () => {
    const result = await orders.call<ListEventsOutput>('list_events', {});
    expect(result.data.includesNodeEvents).toBe(true);
    expect(result.data.events.map((e) => `${e.reason} ${e.object} x${e.count}`)).toEqual([
      'Unhealthy Pod/orders-7f9c8d6b5-fghij x20',
      'BackOff Pod/orders-7f9c8d6b5-abcde x8',
      'SystemOOM Node/pool-a-1 x3',
      'EvictionThresholdMet Node/pool-a-1 x4',
      'Pulled Pod/orders-7f9c8d6b5-abcde x7',
      'NodeHasInsufficientMemory Node/pool-a-1 x1',
      'ScalingReplicaSet Deployment/orders x1',
    ]);
    expect(result.text.split('\n')[0]).toBe(
      '4 Warning and 3 Normal event(s) in namespace orders (Node warnings included), newest first:',
    );
    expect(result.text).toContain(
      'Warning SystemOOM Node/pool-a-1 x3 (first 2026-11-20T14:23:40Z) (numbers vary; newest shown): ' +
        'System OOM encountered, victim process: java, pid: 4317',
    );
    // The pod of namespace default and the routine Node event stay out.
    expect(result.text).not.toContain('noisy');
    expect(result.text).not.toContain('Starting kubelet');
  });

  it('reads every event of a node when asked for kind Node', async () => {
    const result = await orders.call<ListEventsOutput>('list_events', {
      objectKind: 'Node',
      objectName: 'pool-a-2',
    });
    expect(result.data.events.map((e) => [e.reason, e.namespace])).toEqual([['Starting', 'default']]);
  });

  it('filters by type and limits the lines, saying how many there were', async () => {
    const result = await orders.call<ListEventsOutput>('list_events', { type: 'Warning', limit: 2 });
    expect(result.data.events.map((e) => e.reason)).toEqual(['Unhealthy', 'BackOff']);
    expect(result.data.matched).toBe(4);
    expect(result.text.split('\n')[0]).toContain('(showing 2 of 4)');
  });

  it('does not date events that carry only eventTime at the epoch', async () => {
    const result = await cart.call<ListEventsOutput>('list_events', { objectName: 'cartservice' });
    const scheduled = result.data.events.find((e) => e.reason === 'Scheduled');
    expect(scheduled?.lastTimestamp).toMatch(/^2026-11-20T12:27:41/);
    expect(result.text).not.toContain('1970');
  });
});

describe('list_nodes', () => {
  it('shows pressure conditions, capacity vs allocatable and taints', async () => {
    const result = await orders.call<ListNodesOutput>('list_nodes', {});
    const [node] = result.data.nodes;
    expect(node).toMatchObject({
      name: 'pool-a-1',
      ready: true,
      capacity: { cpu: '4', memory: '8145848Ki', pods: '110' },
      allocatable: { cpu: '3920m', memory: '6096848Ki', pods: '110' },
      taints: ['node.kubernetes.io/memory-pressure:NoSchedule'],
    });
    expect(node?.conditions.map((c) => `${c.type}=${c.status}`)).toEqual([
      'Ready=True',
      'MemoryPressure=True',
      'DiskPressure=False',
      'PIDPressure=False',
      'NetworkUnavailable=False',
    ]);
    expect(result.text).toContain(
      '  PROBLEM MemoryPressure=True KubeletHasInsufficientMemory: kubelet has insufficient memory available ' +
        '(since 2026-11-20T14:05:00Z)',
    );
    expect(result.text).toContain(
      '  capacity cpu 4, memory 7.77Gi, pods 110; allocatable cpu 3920m, memory 5.81Gi, pods 110',
    );
    expect(result.text).toContain('  taints: node.kubernetes.io/memory-pressure:NoSchedule');
  });

  it('sums the memory of the allowed pods per node so over-commit is visible', async () => {
    const result = await orders.call<ListNodesOutput>('list_nodes', {});
    const [node] = result.data.nodes;
    expect(node?.podTotals).toEqual({
      count: 3,
      memoryRequests: '1.5Gi',
      memoryLimits: '6.5Gi',
      cpuRequests: '700m',
      memoryRequestsPercent: 26,
      memoryLimitsPercent: 112,
    });
    expect(node?.pods[0]).toMatchObject({ name: 'reports-batch-28891230-q7r8s', memoryLimit: '6Gi' });
    expect(result.text).toContain('limits 6.5Gi (112% of allocatable)');
    expect(result.text).toContain('OVER-COMMITTED');
    expect(result.text).toContain('orders/ledger-6d5c4b3a2-x1y2z Running: memory request 0, limit none');
  });

  it('sums up in one line the healthy nodes that host none of the allowed pods', async () => {
    const result = await orders.call<ListNodesOutput>('list_nodes', {});
    expect(result.data.nodes.map((n) => n.name)).toEqual(['pool-a-1', 'pool-a-2', 'pool-b-1']);
    expect(result.text).toContain('1 more node(s) healthy, schedulable and without pods of orders: pool-b-1');
    expect(result.text).not.toContain('node pool-b-1:');
    expect(result.text.split('\n')[0]).toBe(
      '3 node(s), 0 not Ready, 1 with a pressure or network condition. Pod figures count only namespace(s) ' +
        'orders; other pods also use these nodes.',
    );
  });

  it('never shows pods of namespaces outside its scope', async () => {
    const result = await orders.call<ListNodesOutput>('list_nodes', {});
    expect(result.data.podNamespaces).toEqual(['orders']);
    expect(JSON.stringify(result)).not.toContain('payments');
    expect(JSON.stringify(result)).not.toContain('noisy');
    expect(result.text.split('\n')[0]).toContain('Pod figures count only namespace(s) orders');
  });
});

describe('get_service', () => {
  it('lists not-ready endpoints with their pods and calls an endpoint list with no ready address out', async () => {
    const result = await orders.call<GetServiceOutput>('get_service', { name: 'orders' });
    expect(result.data).toMatchObject({
      type: 'ClusterIP',
      clusterIP: '10.8.3.10',
      selector: { app: 'orders' },
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      selectedPods: { total: 2, ready: 0 },
    });
    expect(result.data.endpoints).toEqual({
      source: 'endpoints',
      ready: [],
      notReady: [
        { ip: '10.4.1.7', pod: 'orders-7f9c8d6b5-abcde', node: 'pool-a-1' },
        { ip: '10.4.1.8', pod: 'orders-7f9c8d6b5-fghij', node: 'pool-a-1' },
      ],
      ports: ['http 8080/TCP'],
    });
    expect(result.text).toContain('endpoints: 0 ready, 2 not ready');
    expect(result.text).toContain('  not ready 10.4.1.7 → pod orders-7f9c8d6b5-abcde (node pool-a-1)');
    expect(result.text).toContain('NO READY ENDPOINTS');
    expect(result.text).toContain('2 pod(s) match the selector but none is Ready');
  });

  it('says when the selector matches no pod at all', async () => {
    const result = await orders.call<GetServiceOutput>('get_service', { name: 'inventory' });
    expect(result.data.endpoints.ready).toEqual([]);
    expect(result.data.selectedPods).toEqual({ total: 0, ready: 0, names: [] });
    expect(result.data.findings[0]).toContain('NO READY ENDPOINTS');
    expect(result.text).toContain('The selector app=inventory matches no pod in the namespace');
  });

  it('reads the Endpoints the controller keeps for a selector (the sandbox derives them), tolerating the name', async () => {
    const result = await cart.call<GetServiceOutput>('get_service', { name: 'cart-service' });
    expect(result.data.name).toBe('cartservice');
    expect(result.data.endpoints.source).toBe('endpoints');
    expect(result.data.endpoints.ready.map((a) => a.pod)).toEqual(['cartservice-5c8f7b9d6d-q4w2z']);
    expect(result.text.split('\n')[0]).toBe(
      "Service cartservice in namespace default (asked 'cart-service'): ClusterIP 34.118.231.140, selector app=cartservice",
    );
    expect(result.text).not.toContain('NO READY ENDPOINTS');
  });

  it('explains a Service without a selector', async () => {
    const result = await orders.call<GetServiceOutput>('get_service', { name: 'legacy-billing' });
    expect(result.data.selector).toBeNull();
    expect(result.text).toContain('the Service has no selector');
  });

  it('answers an unknown Service with the closest names', async () => {
    const result = await orders.call('get_service', { name: 'ledgr' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain(
      "No Service matches 'ledgr' in namespace orders. Closest Service names: ledger",
    );
  });
});

describe('list_config_maps', () => {
  it('shows short values, masks secret-like keys and values, and defers long ones', async () => {
    const result = await orders.call<ListConfigMapsOutput>('list_config_maps', {});
    expect(result.data.configMaps.map((c) => c.name)).toEqual(['ledger-config', 'orders-config']);
    const entries = result.data.configMaps[1]?.entries ?? [];
    expect(Object.fromEntries(entries.map((e) => [e.key, e.value ?? `(${e.omitted ?? ''})`]))).toEqual({
      API_TOKEN: '[REDACTED]',
      'application.yaml': '(long)',
      CACHE_TTL: '300',
      DATABASE_URL: '[REDACTED]',
      flags: 'checkout-v2,fast-tax',
      LOG_LEVEL: 'debug',
      OTEL_EXPORTER_OTLP_HEADERS: '[REDACTED]',
    });
    expect(result.text).toContain('  DATABASE_URL=[REDACTED]');
    expect(result.text).toContain('  flags=checkout-v2,fast-tax');
    expect(result.text).toContain('call list_config_maps with name=orders-config to read it');
    expect(result.text).toContain('  logo.png: binary data');
    for (const secret of ['pa55w0rd', 'tok_live_abc123', 'hunter2', 'otlp_5f3c9a7e2b1d']) {
      expect(JSON.stringify(result)).not.toContain(secret);
    }
  });

  it('reads one ConfigMap in full, masking secret lines of its files', async () => {
    const result = await orders.call<ListConfigMapsOutput>('list_config_maps', { name: 'orders' });
    expect(result.data.configMaps.map((c) => c.name)).toEqual(['orders-config']);
    expect(result.text).toContain('    |   host: db.orders');
    expect(result.text).toContain('    |   password: [REDACTED]');
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('keeps the public scenario connection string out', async () => {
    const result = await cart.call<ListConfigMapsOutput>('list_config_maps', { name: 'cartservice-config' });
    expect(result.text).toContain('REDIS_CONNECTION_STRING=[REDACTED]');
    expect(result.text).toContain('ASPNETCORE_ENVIRONMENT=Production');
    expect(JSON.stringify(result)).not.toContain('S3cr3t');
  });

  it('names the closest ConfigMaps for a wrong name', async () => {
    const result = await orders.call('list_config_maps', { name: 'order-cfg' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain("No ConfigMap named 'order-cfg' in namespace orders. Closest names:");
  });
});

describe('namespace scope of the cluster tools', () => {
  it('refuses every namespaced read outside the allowed namespaces', async () => {
    for (const [tool, args] of [
      ['get_service', { name: 'payments-api', namespace: 'payments' }],
      ['list_config_maps', { namespace: 'payments' }],
      ['list_events', { namespace: 'default' }],
    ] as const) {
      const result = await orders.call(tool, args);
      expect(result.isError).toBe(true);
      expect(result.text).toContain("is outside this server's allowed namespaces (orders)");
    }
  });
});
