import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolFor } from '../src/llm/offline/capabilities.js';
import { readEvents, readLog, readPodListing } from '../src/llm/offline/tool-data.js';
import { goTimeToIso } from '../src/mcp/adapters/kubernetes-mcp-server/events.js';
import { parseTable, parseYamlObjects } from '../src/mcp/adapters/kubernetes-mcp-server/listing.js';
import {
  KUBERNETES_MCP_SERVER,
  PRESETS,
  SRE_AGENT_GITHUB,
  SRE_AGENT_KUBERNETES,
} from '../src/mcp/adapters/presets.js';
import type { HostEvent } from '../src/mcp/host-events.js';
import { McpHost } from '../src/mcp/host.js';
import { BUNDLED_ALLOWLISTS } from '../src/mcp/server-spec.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { silentLogger } from '../src/util/log.js';

const PODS_TABLE = `NAMESPACE   APIVERSION   KIND   NAME                           READY   STATUS             RESTARTS   AGE    IP           NODE     NOMINATED NODE   READINESS GATES   LABELS
default     v1           Pod    cartservice-5c8f7b9d6d-q4w2z   0/1     CrashLoopBackOff   7          122m   10.52.1.31   node-a   <none>           <none>            app=cartservice,pod-template-hash=5c8f7b9d6d
default     v1           Pod    frontend-6f7d9b8c5b-xk2lp      1/1     Running            0          21h    10.52.1.24   node-a   <none>           <none>            app=frontend
`;

describe('reading kubernetes-mcp-server output', () => {
  it('reads kubectl-style tables, two-word headers and <none> included', () => {
    const rows = parseTable(PODS_TABLE);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      name: 'cartservice-5c8f7b9d6d-q4w2z',
      ready: '0/1',
      status: 'CrashLoopBackOff',
      restarts: '7',
      nominatednode: '',
      labels: 'app=cartservice,pod-template-hash=5c8f7b9d6d',
    });
    expect(parseTable('')).toEqual([]);
  });

  it('reads YAML lists after the server’s preamble, and Go timestamps', () => {
    const events = parseYamlObjects(
      '# The following events (YAML format) were found:\n- InvolvedObject:\n    Kind: Pod\n    Name: p\n  Reason: BackOff\n  Type: Warning\n',
    );
    expect(events).toEqual([
      { InvolvedObject: { Kind: 'Pod', Name: 'p' }, Reason: 'BackOff', Type: 'Warning' },
    ]);
    expect(goTimeToIso('2026-11-20 12:27:41.402913 +0000 UTC')).toBe('2026-11-20T12:27:41Z');
    expect(goTimeToIso('2026-11-20 14:27:41 +0200 CEST')).toBe('2026-11-20T12:27:41Z');
    expect(goTimeToIso('soon')).toBeUndefined();
  });
});

describe('capabilities, not names', () => {
  it('our presets cover exactly the bundled allowlists', () => {
    expect(Object.values(SRE_AGENT_KUBERNETES.tools).sort()).toEqual(
      [...BUNDLED_ALLOWLISTS.kubernetes.allow].sort(),
    );
    expect(Object.values(SRE_AGENT_GITHUB.tools).sort()).toEqual([...BUNDLED_ALLOWLISTS.github.allow].sort());
    // Every community capability has an adapter that reads it into our shapes.
    for (const capability of Object.keys(KUBERNETES_MCP_SERVER.tools))
      expect(KUBERNETES_MCP_SERVER.adapters).toHaveProperty(capability);
    expect(PRESETS[0]).toBe(SRE_AGENT_KUBERNETES);
  });

  it('resolves a capability to whatever tool offers it: ours by name, a community one by a route', () => {
    const ours = ['kubernetes__list_pods', 'github__get_file_contents'];
    expect(toolFor('listPods', ours)).toBe('kubernetes__list_pods');
    // GitHub servers share tool names and differ in arguments: the host answers the route by what
    // the connected server accepts (ours passes the call through).
    expect(toolFor('fileContents', ours)).toBe('github__get_file_contents@fileContents');
    expect(toolFor('events', ours)).toBeUndefined();
    const community = ['k8s__pods_list_in_namespace', 'k8s__pods_log', 'k8s__resources_list'];
    expect(toolFor('listPods', community)).toBe('k8s__pods_list_in_namespace@listPods');
    expect(toolFor('podLogs', community)).toBe('k8s__pods_log@podLogs');
    expect(toolFor('nodes', community)).toBe('k8s__resources_list@nodes');
    expect(toolFor('events', community)).toBeUndefined();
    // With both, ours wins: its answers need no adapting.
    expect(toolFor('listPods', [...community, ...ours])).toBe('kubernetes__list_pods');
  });
});

describe('kubernetes-mcp-server behind the host, against the sandbox cluster', () => {
  let sandbox: Sandbox;
  let host: McpHost;
  const events: HostEvent[] = [];
  beforeAll(async () => {
    sandbox = await startSandbox(await loadScenario(path.resolve('scenarios/cart-service-loafers')));
    host = await McpHost.start(
      [
        {
          name: 'k8s',
          bundled: false,
          transport: {
            kind: 'stdio',
            command: path.resolve('node_modules/.bin/kubernetes-mcp-server'),
            args: [
              '--kubeconfig',
              sandbox.kubeconfigPath,
              '--read-only',
              '--stateless',
              '--disable-multi-cluster',
            ],
            env: { KUBECONFIG: sandbox.kubeconfigPath },
          },
          allow: [
            'pods_list_in_namespace',
            'pods_get',
            'pods_log',
            'pods_list',
            'events_list',
            'resources_get',
            'resources_list',
            'configuration_view',
          ],
          hostOnly: [],
          namespaces: ['default'],
        },
      ],
      { logger: silentLogger, onEvent: (e) => events.push(e) },
    );
  }, 30_000);
  afterAll(async () => {
    await host.close();
    await sandbox.close();
  });

  it('lists pods by service name into the shape the offline engine reads', async () => {
    const outcome = await host.callTool('k8s__pods_list_in_namespace@listPods', {
      service: 'cart-service',
      namespace: 'default',
    });
    expect(outcome.ok, outcome.text).toBe(true);
    const listing = readPodListing(outcome.structured);
    expect(listing.workload).toEqual({ kind: 'Deployment', name: 'cartservice' });
    expect(listing.pods.map((p) => p.name)).toEqual(['cartservice-5c8f7b9d6d-q4w2z']);
    expect(listing.pods[0]).toMatchObject({ phase: 'Running', ready: '1/1', restarts: 0 });
    expect(listing.pods[0]?.containers[0]).toMatchObject({
      name: 'server',
      state: 'running',
      resources: { limits: { memory: '128Mi' } },
    });
    // The adapter's reads are real calls of the server's tools, each audited.
    const tools = events.flatMap((e) => (e.type === 'tool_call' ? [e.tool] : []));
    expect(tools).toEqual(expect.arrayContaining(['resources_list', 'pods_list_in_namespace', 'pods_get']));
  });

  it('names the closest services when nothing matches', async () => {
    const outcome = await host.callTool('k8s__pods_list_in_namespace@listPods', {
      service: 'carts',
      namespace: 'default',
    });
    expect(readPodListing(outcome.structured)).toMatchObject({
      pods: [],
      closestServices: expect.arrayContaining(['cartservice']),
    });
  });

  it('reads logs and events into our shapes', async () => {
    const log = await host.callTool('k8s__pods_log@podLogs', {
      pod: 'cartservice-5c8f7b9d6d-q4w2z',
      namespace: 'default',
      tailLines: 50,
    });
    expect(log.ok).toBe(true);
    expect(readLog(log.structured, log.text)).toContain('loafers are not supported');
    const previous = await host.callTool('k8s__pods_log@podLogs', {
      pod: 'cartservice-5c8f7b9d6d-q4w2z',
      namespace: 'default',
      previous: true,
    });
    expect(previous.ok).toBe(false);
    const listed = await host.callTool('k8s__events_list@events', { namespace: 'default', limit: 100 });
    const read = readEvents(listed.structured);
    expect(read.length).toBeGreaterThan(3);
    expect(read).toContainEqual(
      expect.objectContaining({
        type: 'Normal',
        object: 'Deployment/cartservice',
        reason: 'ScalingReplicaSet',
      }),
    );
    // Newest first, with ISO times.
    const times = read.map((e) => e.lastTimestamp ?? '');
    expect(times[0]).toBe('2026-11-20T12:28:04Z');
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('keeps a community server inside the allowed namespaces and away from Secrets and credentials', async () => {
    const refused = async (tool: string, args: Record<string, unknown>) => {
      const outcome = await host.callTool(`k8s__${tool}`, args);
      expect(outcome.ok).toBe(false);
      return outcome.text;
    };
    expect(await refused('events_list', {})).toMatch(/name the namespace \(one of default\)/);
    expect(await refused('events_list', { namespace: 'kube-system' })).toMatch(
      /outside the allowed namespaces/,
    );
    expect(await refused('pods_list', {})).toMatch(/'pods_list' reads every namespace/);
    expect(
      await refused('resources_get', { apiVersion: 'v1', kind: 'Secret', name: 'x', namespace: 'default' }),
    ).toMatch(/Secrets are never read/);
    expect(await refused('configuration_view', {})).toMatch(/not an allowed tool/);
    expect(host.modelTools().map((t) => t.name)).not.toContain('k8s__configuration_view');
    // Cluster-scoped kinds need no namespace.
    expect((await host.callTool('k8s__resources_list', { apiVersion: 'v1', kind: 'Node' })).ok).toBe(true);
    expect(
      events.filter((e) => e.type === 'refusal').map((e) => (e.type === 'refusal' ? e.guard : '')),
    ).toEqual(expect.arrayContaining(['namespace-scope', 'no-secrets']));
  });

  it('refuses a route whose tool is not allowed', async () => {
    const outcome = await host.callTool('k8s__nodes_top@nodes', {});
    expect(outcome.ok).toBe(false);
    expect(outcome.text).toMatch(/not an allowed tool/);
  });
});
