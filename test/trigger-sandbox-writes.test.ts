import { join } from 'node:path';
import { BatchV1Api, CoreV1Api, KubeConfig, type V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';

const SCENARIO = join(import.meta.dirname, '..', 'scenarios', 'cart-service-loafers');

let sandbox: Sandbox;
let kubeConfig: KubeConfig;

beforeAll(async () => {
  sandbox = await startSandbox(await loadScenario(SCENARIO));
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sandbox.kubeconfigPath);
});
afterAll(() => sandbox.close());

const job = (name: string, restartPolicy = 'Never'): V1Job => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, labels: { app: 'sre-agent' } },
  spec: {
    backoffLimit: 0,
    template: {
      spec: { restartPolicy, containers: [{ name: 'c', image: 'sre-agent:test', command: ['sre-agent'] }] },
    },
  },
});

describe('sandbox Kubernetes API: creating Jobs, ConfigMaps and Leases', () => {
  it('serves batch/v1 discovery with jobs creatable, and coordination.k8s.io for leases', async () => {
    const batch = (await (await fetch(`${sandbox.urls.kubernetes}/apis/batch/v1`)).json()) as {
      resources: { name: string; verbs: string[] }[];
    };
    expect(batch.resources.find((r) => r.name === 'jobs')?.verbs).toContain('create');
    const groups = (await (await fetch(`${sandbox.urls.kubernetes}/apis`)).json()) as {
      groups: { name: string }[];
    };
    expect(groups.groups.map((g) => g.name)).toContain('coordination.k8s.io');
  });

  it('creates a Job through BatchV1Api (201, server fields and defaults), then gets and lists it', async () => {
    const api = kubeConfig.makeApiClient(BatchV1Api);
    const created = await api.createNamespacedJob({ namespace: 'default', body: job('diag-1') });
    expect(created.metadata).toMatchObject({ name: 'diag-1', namespace: 'default' });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.spec?.backoffLimit).toBe(0);
    expect(created.spec?.completions).toBe(1);
    expect(
      (await api.readNamespacedJob({ namespace: 'default', name: 'diag-1' })).spec?.template.spec
        ?.containers[0]?.image,
    ).toBe('sre-agent:test');
    const listed = await api.listNamespacedJob({ namespace: 'default', labelSelector: 'app=sre-agent' });
    expect(listed.items.map((j) => j.metadata?.name)).toEqual(['diag-1']);
  });

  it('answers 409 AlreadyExists for a taken name, and 422 for a Job the API server would refuse', async () => {
    const api = kubeConfig.makeApiClient(BatchV1Api);
    await api.createNamespacedJob({ namespace: 'default', body: job('diag-2') });
    await expect(
      api.createNamespacedJob({ namespace: 'default', body: job('diag-2') }),
    ).rejects.toMatchObject({ code: 409 });
    const conflict = await fetch(`${sandbox.urls.kubernetes}/apis/batch/v1/namespaces/default/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(job('diag-2')),
    });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({
      kind: 'Status',
      reason: 'AlreadyExists',
      message: 'jobs.batch "diag-2" already exists',
    });
    await expect(
      api.createNamespacedJob({ namespace: 'default', body: job('diag-3', 'Always') }),
    ).rejects.toMatchObject({
      code: 422,
    });
  });

  it('creates ConfigMaps with 409 on conflict, and honours generateName and dryRun', async () => {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const body = { metadata: { name: 'claim-1' }, data: { key: 'v' } };
    await core.createNamespacedConfigMap({ namespace: 'default', body });
    await expect(core.createNamespacedConfigMap({ namespace: 'default', body })).rejects.toMatchObject({
      code: 409,
    });
    expect((await core.readNamespacedConfigMap({ namespace: 'default', name: 'claim-1' })).data).toEqual({
      key: 'v',
    });
    const generated = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { generateName: 'gen-' } },
    });
    expect(generated.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'dry' } },
      dryRun: 'All',
    });
    await expect(core.readNamespacedConfigMap({ namespace: 'default', name: 'dry' })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('stays read-only for everything else: pods, updates and deletes get 405', async () => {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    await expect(
      core.createNamespacedPod({
        namespace: 'default',
        body: { metadata: { name: 'p' }, spec: { containers: [] } },
      }),
    ).rejects.toMatchObject({ code: 405 });
    const del = await fetch(`${sandbox.urls.kubernetes}/api/v1/namespaces/default/configmaps/claim-1`, {
      method: 'DELETE',
    });
    expect(del.status).toBe(405);
    const mismatch = await fetch(`${sandbox.urls.kubernetes}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'x', namespace: 'other' } }),
    });
    expect(mismatch.status).toBe(400);
  });
});
