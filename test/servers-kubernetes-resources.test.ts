import { KubeConfig } from '@kubernetes/client-node';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import type { KubeObject } from '../src/sandbox/scenario-types.js';
import { RefusedPathError, kubernetesApiReader } from '../src/servers/kubernetes/api-reader.js';
import type { CheckAccessOutput } from '../src/servers/kubernetes/check-access.js';
import { kubernetesDepsFromEnv } from '../src/servers/kubernetes/from-env.js';
import type { GetResourcesOutput } from '../src/servers/kubernetes/get-resources.js';
import { createKubernetesServer } from '../src/servers/kubernetes/server.js';
import { minutesAgo, resourceObjects, resourceScenario } from './helpers/resource-cluster.js';

type Call = <T = unknown>(
  name: string,
  args: Record<string, unknown>,
) => Promise<CallToolResult & { text: string; data: T }>;

/** A client of the bundled Kubernetes server over a sandbox of `objects`, reading only `shop`. */
async function connect(objects: KubeObject[]) {
  const sandbox: Sandbox = await startSandbox(resourceScenario(objects));
  const created = createKubernetesServer(kubernetesDepsFromEnv({ ...sandbox.env }, ['shop']));
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
  return { call, close, sandbox };
}

let cluster: Awaited<ReturnType<typeof connect>>;
const call: Call = (name, args) => cluster.call(name, args);
const resources = (args: Record<string, unknown>) => call<GetResourcesOutput>('get_resources', args);
const access = (args: Record<string, unknown>) => call<CheckAccessOutput>('check_access', args);
const names = (output: GetResourcesOutput) =>
  output.items.map((item) => (item.metadata as { name: string }).name);

beforeAll(async () => {
  cluster = await connect(resourceObjects());
});
afterAll(() => cluster.close());

describe('get_resources: kinds as kubectl names them', () => {
  it.each(['pvc', 'PersistentVolumeClaim', 'persistentvolumeclaims', 'persistentvolumeclaim'])(
    'resolves %s through discovery',
    async (kind) => {
      const result = await resources({ kind });
      expect(result.isError).toBeFalsy();
      expect(result.data).toMatchObject({
        kind: 'PersistentVolumeClaim',
        apiVersion: 'v1',
        namespaced: true,
        namespace: 'shop',
      });
      expect(names(result.data)).toEqual(['data-db-0', 'logs']);
    },
  );

  it('resolves plural.group and the preferred version of a group', async () => {
    const policies = await resources({ kind: 'networkpolicies.networking.k8s.io' });
    expect(policies.data).toMatchObject({ kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1' });
    expect(names(policies.data)).toEqual(['deny-egress']);
    const hpa = await resources({ kind: 'hpa' });
    expect(hpa.data.apiVersion).toBe('autoscaling/v2');
    expect((await resources({ kind: 'jobs.v1.batch' })).data.kind).toBe('Job');
  });

  it('answers an unknown kind with the closest ones', async () => {
    const result = await resources({ kind: 'netpols' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain(`the server doesn't have a resource type "netpols"`);
    expect(result.text).toContain('networkpolicies');
  });

  it('prints the kubectl get columns of the kind, items as the API returns them', async () => {
    const result = await resources({ kind: 'jobs' });
    const lines = result.text.split('\n');
    expect(lines[0]).toBe('2 jobs.batch in namespace shop:');
    expect(lines[1]?.split(/\s{2,}/)).toEqual(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    expect(lines[2]?.split(/\s{2,}/)).toEqual(['migrate', 'Failed', '0/1', '30m', '30m']);
    expect(result.data.items[0]).toMatchObject({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', namespace: 'shop' },
      spec: { backoffLimit: 2 },
      status: {
        conditions: expect.arrayContaining([expect.objectContaining({ reason: 'BackoffLimitExceeded' })]),
      },
    });
  });

  it('filters by label selector', async () => {
    const result = await resources({ kind: 'pods', labelSelector: 'app=checkout' });
    expect(names(result.data)).toEqual(['checkout-1', 'checkout-2', 'checkout-3']);
    expect(result.text).toContain('matching labels app=checkout');
  });
});

describe('get_resources: scope and secrets', () => {
  it('refuses a namespace outside the allowed ones', async () => {
    const result = await resources({ kind: 'pods', namespace: 'kube-system' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain(
      "namespace 'kube-system' is outside this server's allowed namespaces (shop)",
    );
  });

  it('reads a cluster-scoped kind whatever namespace is asked', async () => {
    const result = await resources({ kind: 'sc', namespace: 'kube-system' });
    expect(result.isError).toBeFalsy();
    expect(result.data).toMatchObject({ kind: 'StorageClass', namespaced: false });
    expect(result.data).not.toHaveProperty('namespace');
    expect(names(result.data)).toEqual(['standard']);
    expect(result.text).toMatch(/^1 storageclasses\.storage\.k8s\.io \(cluster-scoped\):/);
    expect(result.text).toContain('standard (default)');
  });

  it.each(['secrets', 'Secret', 'csr', 'tokenreviews'])('never reads %s', async (kind) => {
    const result = await resources({ kind });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/never readable|cannot be read/);
    expect(result.text).not.toContain(Buffer.from('hunter2').toString('base64'));
  });

  it('masks secret-like data of a ConfigMap and drops managedFields and last-applied', async () => {
    const result = await resources({ kind: 'configmap', name: 'checkout-settings' });
    const [item] = result.data.items;
    expect(item?.data).toEqual({
      DB_HOST: 'db.shop.svc',
      DB_PASSWORD: '[REDACTED]',
      'app.properties': 'timeout=5s\nredis.url=[REDACTED]\n',
    });
    expect(item?.metadata).not.toHaveProperty('managedFields');
    expect(item?.metadata).not.toHaveProperty('annotations');
    expect(result.text).not.toMatch(/hunter2|s3cr3t/);
    const listed = await resources({ kind: 'cm' });
    expect(JSON.stringify(listed.data)).not.toMatch(/hunter2|s3cr3t/);
  });

  it('refuses Secret paths in the reader itself', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(cluster.sandbox.kubeconfigPath);
    const reader = kubernetesApiReader(kubeConfig);
    await expect(reader.get('/api/v1/namespaces/shop/secrets/db-credentials')).rejects.toBeInstanceOf(
      RefusedPathError,
    );
    await expect(reader.get('/api/v1/namespaces/shop/serviceaccounts/orders/token')).rejects.toBeInstanceOf(
      RefusedPathError,
    );
  });
});

describe('get_resources: one named object', () => {
  it('returns that object and a compact YAML of metadata, spec and status', async () => {
    const result = await resources({ kind: 'sts', name: 'db' });
    expect(result.data.items).toHaveLength(1);
    expect(result.data.items[0]).toMatchObject({ kind: 'StatefulSet', status: { readyReplicas: 0 } });
    expect(result.text.split('\n')[0]).toBe(
      'StatefulSet db in namespace shop (secret-like values [REDACTED]):',
    );
    expect(result.text).toContain('  name: db\n');
    expect(result.text).toContain('  replicas: 1\n');
    expect(result.text).toContain('  readyReplicas: 0');
  });

  it('shows the fields of kinds without spec, such as a Role', async () => {
    const result = await resources({ kind: 'role', name: 'pod-reader' });
    expect(result.text).toContain('rules:');
    expect(result.text).toContain('- pods/log');
  });

  it('answers not found as the API does', async () => {
    const result = await resources({ kind: 'pvc', name: 'data-db-1' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('persistentvolumeclaims "data-db-1" not found in namespace shop');
  });
});

describe('get_resources: output bounds', () => {
  it('returns at most 50 objects and says so', async () => {
    const many = Array.from({ length: 55 }, (_, i): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: `flag-${String(i).padStart(2, '0')}`,
        namespace: 'shop',
        creationTimestamp: minutesAgo(5),
      },
      data: { enabled: 'true' },
    }));
    const big = await connect(many);
    try {
      const result = await big.call<GetResourcesOutput>('get_resources', { kind: 'configmaps' });
      expect(result.data.items).toHaveLength(50);
      expect(result.data.truncated).toBe(true);
      expect(result.text).toContain('more than 50');
    } finally {
      await big.close();
    }
  });
});

describe('check_access', () => {
  it('allows what a Role bound to the service account grants, naming the binding', async () => {
    const result = await access({ verb: 'list', resource: 'pods', serviceAccount: 'orders' });
    expect(result.data).toMatchObject({
      allowed: true,
      user: 'system:serviceaccount:shop:orders',
      verb: 'list',
      resource: 'pods',
      namespace: 'shop',
    });
    expect(result.text).toBe(
      'system:serviceaccount:shop:orders can list pods in namespace shop: RBAC: allowed by RoleBinding ' +
        '"orders-reads-pods/shop" of Role "pod-reader" to ServiceAccount "orders/shop"',
    );
  });

  it('denies what no rule grants, in one line', async () => {
    const result = await access({ verb: 'delete', resource: 'pods', serviceAccount: 'shop:orders' });
    expect(result.data.allowed).toBe(false);
    expect(result.text).toBe(
      'system:serviceaccount:shop:orders cannot delete pods in namespace shop: no RBAC rule grants it',
    );
  });

  it('allows through a ClusterRole bound by a RoleBinding', async () => {
    const result = await access({ verb: 'get', resource: 'configmaps', serviceAccount: 'orders' });
    expect(result.data.allowed).toBe(true);
    expect(result.data.reason).toContain(
      'RoleBinding "orders-reads-config/shop" of ClusterRole "config-reader"',
    );
  });

  it('finds the group of a kind through discovery', async () => {
    const result = await access({ verb: 'list', resource: 'deploy', serviceAccount: 'orders' });
    expect(result.data).toMatchObject({ allowed: false, resource: 'deployments', group: 'apps' });
    expect(result.text).toContain('cannot list deployments.apps in namespace shop');
  });

  it('checks a subresource', async () => {
    const result = await access({ verb: 'get', resource: 'pods/log', serviceAccount: 'orders' });
    expect(result.data).toMatchObject({ allowed: true, resource: 'pods/log' });
  });

  it('says when the service account does not exist', async () => {
    const result = await access({ verb: 'list', resource: 'pods', serviceAccount: 'inventory' });
    expect(result.data).toMatchObject({ allowed: false, serviceAccountExists: false });
    expect(result.text).toContain('(the service account does not exist)');
  });

  it("checks the agent's own credentials without a service account", async () => {
    const result = await access({ verb: 'list', resource: 'pods' });
    expect(result.data).toMatchObject({ allowed: true, user: 'kubernetes-admin' });
  });

  it('refuses service accounts and namespaces outside the allowed ones', async () => {
    expect(
      (await access({ verb: 'list', resource: 'pods', serviceAccount: 'kube-system:default' })).isError,
    ).toBe(true);
    expect((await access({ verb: 'list', resource: 'pods', namespace: 'kube-system' })).isError).toBe(true);
  });
});
