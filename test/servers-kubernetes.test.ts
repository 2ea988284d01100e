import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import type { KubeObject, Scenario } from '../src/sandbox/scenario-types.js';
import { kubernetesDepsFromEnv } from '../src/servers/kubernetes/from-env.js';
import type { PodLogsOutput } from '../src/servers/kubernetes/get-pod-logs.js';
import type { ListEventsOutput } from '../src/servers/kubernetes/list-events.js';
import type { ListPodsOutput } from '../src/servers/kubernetes/list-pods.js';
import { BUNDLED_ALLOWLISTS } from '../src/mcp/server-spec.js';
import { createKubernetesServer } from '../src/servers/kubernetes/server.js';

const scenarioDir = fileURLToPath(new URL('../scenarios/cart-service-loafers', import.meta.url));

/** A pod the scenario lacks, for the cases it does not show (sidecars, crash loops, label-only apps). */
function pod(
  name: string,
  labels: Record<string, string>,
  containers: object[],
  namespace = 'default',
): KubeObject {
  const statuses = containers as { name: string }[];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels, creationTimestamp: '2026-11-20T12:00:00Z' },
    spec: {
      nodeName: 'node-1',
      containers: statuses.map((c) => ({ name: c.name, image: `example/${c.name}:1.0` })),
    },
    status: {
      phase: 'Running',
      podIP: '10.0.0.12',
      startTime: '2026-11-20T12:00:00Z',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'ContainersNotReady',
          message: 'containers with unready status',
        },
        { type: 'PodScheduled', status: 'True' },
      ],
      containerStatuses: containers,
    },
  };
}

function event(name: string, type: string, reason: string, last: string, count: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { kind: 'Pod', name: checkoutPodName, namespace: 'default' },
    type,
    reason,
    message: `${reason} happened`,
    count,
    firstTimestamp: '2026-11-20T12:00:00Z',
    lastTimestamp: last,
  };
}

const checkoutPodName = 'checkoutservice-6c8f9d7b5-q2w3e';
const running = { running: { startedAt: '2026-11-20T12:00:05Z' } };

/** Added to the cart-service scenario: a crash-looping pod behind a sidecar, and objects out of scope. */
const extraObjects: KubeObject[] = [
  pod(checkoutPodName, { app: 'checkoutservice' }, [
    { name: 'istio-proxy', image: 'istio/proxyv2', ready: true, restartCount: 0, state: running },
    {
      name: 'server',
      image: 'example/server:1.0',
      ready: false,
      restartCount: 5,
      state: {
        waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' },
      },
      lastState: { terminated: { reason: 'Error', exitCode: 139, finishedAt: '2026-11-20T14:28:00Z' } },
    },
  ]),
  pod('adservice-5f6d7c8b9-zz9yy', { 'app.kubernetes.io/name': 'adservice' }, [
    { name: 'server', state: running },
  ]),
  pod(
    'paymentservice-1a2b3c4d5-aaaaa',
    { app: 'paymentservice' },
    [{ name: 'server', state: running }],
    'payments',
  ),
  event('checkout-e1', 'Normal', 'Pulled', '2026-11-20T14:00:00Z', 1),
  event('checkout-e2', 'Warning', 'BackOff', '2026-11-20T14:20:00Z', 7),
  event('checkout-e3', 'Normal', 'Started', '2026-11-20T14:10:00Z', 1),
];

const extraLogs: Record<string, string> = {
  [`${checkoutPodName}.server`]: 'starting\nlistening on :5050\n',
  [`${checkoutPodName}.server.previous`]: 'starting\npanic: nil map\ngoroutine 1 [running]\n',
  [`${checkoutPodName}.istio-proxy`]: 'envoy started\n',
};

let scenario: Scenario;
let sandbox: Sandbox;
let client: Client;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const base = await loadScenario(scenarioDir);
  scenario = { ...base, objects: [...base.objects, ...extraObjects], logs: { ...base.logs, ...extraLogs } };
  sandbox = await startSandbox(scenario);
  const created = createKubernetesServer(kubernetesDepsFromEnv({ ...sandbox.env }));
  cleanup = created.cleanup;
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await created.server.connect(serverTransport);
  client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(clientTransport);
});

afterAll(async () => {
  await client.close();
  await cleanup();
  await sandbox.close();
});

async function call<T = unknown>(
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult & { text: string; data: T }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const first = result.content[0];
  return { ...result, text: first?.type === 'text' ? first.text : '', data: result.structuredContent as T };
}

/** The scenario's own pods of the cart service and its log, as the cluster holds them. */
function cartPodsOfScenario(): string[] {
  return scenario.objects
    .filter(
      (o) =>
        o.kind === 'Pod' &&
        o.metadata.namespace === 'default' &&
        o.metadata.labels?.['app'] === 'cartservice',
    )
    .map((o) => o.metadata.name)
    .sort();
}

describe('bundled kubernetes server', () => {
  it('lists its read-only tools, all of them allowlisted for the model', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    expect(names).toEqual([
      'check_access',
      'get_deployment',
      'get_pod_logs',
      'get_resources',
      'get_service',
      'list_config_maps',
      'list_deployments',
      'list_events',
      'list_nodes',
      'list_pods',
      'list_services',
    ]);
    expect([...BUNDLED_ALLOWLISTS.kubernetes.allow].sort()).toEqual(names);
    for (const tool of tools) {
      expect(tool.annotations).toEqual({
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      });
    }
  });

  it('resolves cart-service to the cartservice deployment and its pods', async () => {
    const result = await call<ListPodsOutput>('list_pods', { service: 'cart-service' });
    expect(result.isError).toBeFalsy();
    expect(result.data.workload).toEqual({ kind: 'Deployment', name: 'cartservice' });
    expect(result.data.matchedBy).toContain('app=cartservice');
    expect(cartPodsOfScenario().length).toBeGreaterThan(0);
    expect(result.data.pods.map((p) => p.name)).toEqual(cartPodsOfScenario());
    const [summary] = result.data.pods;
    expect(summary).toMatchObject({ phase: 'Running', ready: '1/1', restarts: 0, conditions: [] });
    expect(summary?.containers[0]).toMatchObject({ name: 'server', state: 'running', ready: true });
    expect(summary?.containers[0]?.image).toContain('cartservice');
    expect(result.text.split('\n')[0]).toContain(
      "Service 'cart-service' in namespace default → Deployment cartservice",
    );
    expect(result.text).toContain(`pod ${cartPodsOfScenario()[0]}: Running, ready 1/1, restarts 0`);
  });

  it('reports crash loops, last terminations and failing conditions', async () => {
    const result = await call<ListPodsOutput>('list_pods', { service: 'checkout' });
    expect(result.data.matchedBy).toBe('pod label app=checkoutservice');
    const [summary] = result.data.pods;
    expect(summary).toMatchObject({ name: checkoutPodName, ready: '1/2', restarts: 5, node: 'node-1' });
    expect(summary?.containers[1]).toMatchObject({
      name: 'server',
      state: 'waiting',
      reason: 'CrashLoopBackOff',
      lastTermination: { reason: 'Error', exitCode: 139, finishedAt: '2026-11-20T14:28:00Z' },
    });
    expect(summary?.conditions).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'ContainersNotReady',
        message: 'containers with unready status',
      },
    ]);
    expect(result.text).toContain('waiting CrashLoopBackOff — back-off 5m0s restarting failed container');
    expect(result.text).toContain('last terminated: Error exit 139');
  });

  it('falls back to the app.kubernetes.io/name label when no workload has the name', async () => {
    const result = await call<ListPodsOutput>('list_pods', { service: 'ad_service' });
    expect(result.data.workload).toBeNull();
    expect(result.data.matchedBy).toBe('pod label app.kubernetes.io/name=adservice');
    expect(result.data.pods.map((p) => p.name)).toEqual(['adservice-5f6d7c8b9-zz9yy']);
  });

  it('answers an unknown service with the closest names, not an error', async () => {
    const result = await call<ListPodsOutput>('list_pods', { service: 'carts-api' });
    expect(result.isError).toBeFalsy();
    expect(result.data.pods).toEqual([]);
    expect(result.data.workload).toBeNull();
    expect(result.data.closestServices?.[0]).toBe('cartservice');
    expect(result.data.closestServices?.length).toBeLessThanOrEqual(5);
    expect(result.text).toMatch(/^No pods found for service 'carts-api' in namespace default/);
    expect(result.text).toContain('Closest existing names: cartservice');
  });

  it('tails the log of a pod with a one-line header', async () => {
    const [podName = ''] = cartPodsOfScenario();
    const lastLines = (scenario.logs[podName] ?? '').trimEnd().split('\n').slice(-3);
    const result = await call<PodLogsOutput>('get_pod_logs', { pod: podName, tailLines: 3 });
    expect(result.text).toBe([`pod/${podName} container=server lines=3`, ...lastLines].join('\n'));
    expect(result.data).toEqual({
      pod: podName,
      container: 'server',
      previous: false,
      lines: 3,
      log: lastLines.join('\n'),
    });
  });

  it('returns 200 lines by default', async () => {
    const [podName = ''] = cartPodsOfScenario();
    const total = (scenario.logs[podName] ?? '').trimEnd().split('\n').length;
    const result = await call<PodLogsOutput>('get_pod_logs', { pod: podName });
    expect(result.data.lines).toBe(Math.min(200, total));
  });

  it('picks the application container over a sidecar and says so', async () => {
    const result = await call<PodLogsOutput>('get_pod_logs', { pod: checkoutPodName });
    expect(result.data.container).toBe('server');
    expect(result.data.log).toBe('starting\nlistening on :5050');
    const header = result.text.split('\n')[0];
    expect(header).toContain('container=server lines=2');
    expect(header).toContain('chosen from istio-proxy, server');
    const sidecar = await call<PodLogsOutput>('get_pod_logs', {
      pod: checkoutPodName,
      container: 'istio-proxy',
    });
    expect(sidecar.data.log).toBe('envoy started');
  });

  it('reads the previous instance of a crashed container', async () => {
    const result = await call<PodLogsOutput>('get_pod_logs', { pod: checkoutPodName, previous: true });
    expect(result.data).toMatchObject({ container: 'server', previous: true, lines: 3 });
    expect(result.data.log).toContain('panic: nil map');
    expect(result.text.split('\n')[0]).toContain('previous=true');
  });

  it('explains that a container that never restarted has no previous log', async () => {
    const [podName = ''] = cartPodsOfScenario();
    const result = await call('get_pod_logs', { pod: podName, previous: true });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('call again without previous');
  });

  it('names the valid containers when asked for a wrong one', async () => {
    const result = await call('get_pod_logs', { pod: checkoutPodName, container: 'app' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('Its containers are: istio-proxy, server');
  });

  it('suggests pod names for a wrong pod', async () => {
    const [podName = ''] = cartPodsOfScenario();
    const wrong = podName.replace(/-[a-z0-9]{5}$/, '-zzzzz');
    const result = await call('get_pod_logs', { pod: wrong });
    expect(result.isError).toBe(true);
    expect(result.text).toContain(`pod '${wrong}' not found in namespace 'default'`);
    expect(result.text).toContain(podName);
  });

  it('rejects a tail beyond 2000 lines', async () => {
    const result = await call('get_pod_logs', { pod: checkoutPodName, tailLines: 5000 });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('tailLines');
  });

  it('lists events newest first, warnings counted first', async () => {
    const all = await call<ListEventsOutput>('list_events', {});
    const times = all.data.events.map((e) => Date.parse(e.lastTimestamp ?? ''));
    expect(times.length).toBeGreaterThan(3);
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const result = await call<ListEventsOutput>('list_events', { objectName: 'checkoutservice' });
    expect(result.data.events.map((e) => e.reason)).toEqual(['BackOff', 'Started', 'Pulled']);
    expect(result.data.events[0]).toEqual({
      type: 'Warning',
      reason: 'BackOff',
      object: `Pod/${checkoutPodName}`,
      objectKind: 'Pod',
      objectName: checkoutPodName,
      namespace: 'default',
      message: 'BackOff happened',
      count: 7,
      records: 1,
      firstTimestamp: '2026-11-20T12:00:00Z',
      lastTimestamp: '2026-11-20T14:20:00Z',
    });
    expect(result.text.split('\n')[0]).toBe(
      '1 Warning and 2 Normal event(s) in namespace default for checkoutservice, newest first:',
    );
    expect(result.text.split('\n')[1]).toBe(
      `2026-11-20T14:20:00Z Warning BackOff Pod/${checkoutPodName} x7 (first 2026-11-20T12:00:00Z): BackOff happened`,
    );
    const limited = await call<ListEventsOutput>('list_events', { objectKind: 'pod', limit: 2 });
    expect(limited.data.events).toHaveLength(2);
    expect(limited.data.events.every((e) => e.object.startsWith('Pod/'))).toBe(true);
  });

  it('refuses namespaces outside its scope', async () => {
    for (const [tool, args] of [
      ['list_pods', { service: 'paymentservice', namespace: 'payments' }],
      ['get_pod_logs', { pod: 'paymentservice-1a2b3c4d5-aaaaa', namespace: 'payments' }],
      ['list_events', { namespace: 'payments' }],
      ['get_deployment', { name: 'paymentservice', namespace: 'payments' }],
      ['list_deployments', { namespace: 'payments' }],
      ['get_service', { name: 'paymentservice', namespace: 'payments' }],
      ['list_config_maps', { namespace: 'payments' }],
    ] as const) {
      const result = await call(tool, args);
      expect(result.isError).toBe(true);
      expect(result.text).toContain(
        "namespace 'payments' is outside this server's allowed namespaces (default)",
      );
    }
  });
});
