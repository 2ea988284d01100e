import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpHost } from '../src/mcp/host.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { silentLogger } from '../src/util/log.js';
import { resourceScenario } from './helpers/resource-cluster.js';

// The `resources` capability (the bundled get_resources) served by kubernetes-mcp-server's
// resources_list and resources_get through the adapter, against the hand-built sandbox cluster.

let sandbox: Sandbox;
let host: McpHost;

beforeAll(async () => {
  sandbox = await startSandbox(resourceScenario());
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
        allow: ['pods_list_in_namespace', 'pods_log', 'events_list', 'resources_get', 'resources_list'],
        hostOnly: [],
        namespaces: ['shop'],
      },
    ],
    { logger: silentLogger },
  );
}, 30_000);
afterAll(async () => {
  await host.close();
  await sandbox.close();
});

const resources = (args: Record<string, unknown>) => host.callTool('k8s__resources_list@resources', args);
const itemNames = (structured: Record<string, unknown> | undefined) =>
  ((structured?.items ?? []) as { metadata: { name: string } }[]).map((item) => item.metadata.name);

describe('kubernetes-mcp-server as get_resources', () => {
  it('lists a kind named the kubectl way, with whole objects in the bundled shape', async () => {
    const outcome = await resources({ kind: 'pvc' });
    expect(outcome.ok).toBe(true);
    expect(outcome.structured).toMatchObject({
      kind: 'PersistentVolumeClaim',
      apiVersion: 'v1',
      namespaced: true,
      namespace: 'shop',
    });
    expect(itemNames(outcome.structured)).toEqual(['data-db-0', 'logs']);
    expect(outcome.structured?.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ spec: expect.objectContaining({ storageClassName: 'fast-ssd' }) }),
      ]),
    );
    expect(outcome.text).toMatch(/STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS/);
  });

  it('reads cluster-scoped kinds, a default StorageClass included', async () => {
    const outcome = await resources({ kind: 'storageclasses.storage.k8s.io' });
    expect(outcome.structured).toMatchObject({ kind: 'StorageClass', namespaced: false });
    expect(itemNames(outcome.structured)).toEqual(['standard']);
    const roles = await resources({ kind: 'ClusterRole' });
    expect(itemNames(roles.structured)).toEqual(['config-reader']);
  });

  it('reads one object, masking secret-like data', async () => {
    const outcome = await resources({ kind: 'ConfigMap', name: 'checkout-settings' });
    expect(outcome.ok).toBe(true);
    expect((outcome.structured?.items as { data: Record<string, string> }[])[0]?.data).toMatchObject({
      DB_HOST: 'db.shop.svc',
      DB_PASSWORD: '[REDACTED]',
    });
    expect(outcome.text).not.toContain('hunter2');
  });

  it('never reads Secrets, and names what it cannot map', async () => {
    const secret = await resources({ kind: 'secrets' });
    expect(secret.ok).toBe(false);
    expect(secret.text).toMatch(/never read/);
    const unknown = await resources({ kind: 'widgets' });
    expect(unknown.ok).toBe(false);
    expect(unknown.text).toContain("kind 'widgets'");
  });

  it('stays inside the allowed namespaces', async () => {
    const outcome = await resources({ kind: 'pods', namespace: 'kube-system' });
    expect(outcome.ok).toBe(false);
    expect(outcome.text).toMatch(/outside the allowed namespaces/);
  });
});
