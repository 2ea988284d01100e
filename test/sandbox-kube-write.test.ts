import { join } from 'node:path';
import { AppsV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyRollback, planRollback, RollbackError } from '../src/actions/rollback.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';

const SCENARIO = join(import.meta.dirname, '..', 'scenarios', 'frontend-imagepull-after-rollout');

let sandbox: Sandbox;
let apps: AppsV1Api;

beforeEach(async () => {
  sandbox = await startSandbox(await loadScenario(SCENARIO));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sandbox.kubeconfigPath);
  apps = kubeConfig.makeApiClient(AppsV1Api);
});
afterEach(() => sandbox.close());

interface WriteList {
  writes: { name: string; revision?: string; images: string[]; dryRun: boolean }[];
  dryRuns: unknown[];
}
const writes = async (): Promise<WriteList> =>
  (await (await fetch(`${sandbox.urls.kubernetes}/_sandbox/writes`)).json()) as WriteList;

const status = async (response: Response) => ({
  code: response.status,
  body: (await response.json()) as { kind: string; reason: string; message: string },
});

describe('sandbox Kubernetes API: the rollback write', () => {
  it('plans a rollback from the previous ReplicaSet, dry-runs it without change, then applies it once', async () => {
    const plan = await planRollback(apps, { namespace: 'default', deployment: 'frontend' });
    expect(plan).toMatchObject({ fromRevision: 15, toRevision: 14 });
    expect(plan.images).toEqual(['ghcr.io/fuzzylabs/microservices-demo/frontend:0.10.3']);
    expect(plan.template.metadata?.labels?.['pod-template-hash']).toBeUndefined();

    const dry = await applyRollback(apps, plan, { dryRun: true });
    expect(dry.spec?.template?.spec?.containers[0]?.image).toBe(plan.images[0]);
    const untouched = await apps.readNamespacedDeployment({ name: 'frontend', namespace: 'default' });
    expect(untouched.spec?.template?.spec?.containers[0]?.image).toMatch(/:v0\.10\.4$/);
    expect(untouched.metadata?.resourceVersion).toBe(plan.resourceVersion);
    expect((await writes()).writes).toHaveLength(0);
    expect((await writes()).dryRuns).toHaveLength(1);

    await applyRollback(apps, plan, { dryRun: false });
    const after = await apps.readNamespacedDeployment({ name: 'frontend', namespace: 'default' });
    expect(after.spec?.template?.spec?.containers[0]?.image).toBe(plan.images[0]);
    expect(after.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('16');
    expect(after.metadata?.generation).toBe(16);
    expect(Number(after.metadata?.resourceVersion)).toBeGreaterThan(Number(plan.resourceVersion));
    // The controller reuses the ReplicaSet of revision 14, which takes the new revision number.
    const replicaSets = await apps.listNamespacedReplicaSet({
      namespace: 'default',
      labelSelector: 'app=frontend',
    });
    const reused = replicaSets.items.find((rs) => rs.metadata?.name === 'frontend-7c5f9d8b6w');
    expect(reused?.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('16');
    expect(replicaSets.items.find((rs) => rs.metadata?.name === 'frontend-b6d9c8f47n')?.spec?.replicas).toBe(
      0,
    );
    expect(replicaSets.items).toHaveLength(3);
    expect(after.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe(
      'NewReplicaSetAvailable',
    );
    expect((await writes()).writes).toEqual([
      expect.objectContaining({ name: 'frontend', revision: '16', images: plan.images, dryRun: false }),
    ]);

    // The same plan again: the Deployment has moved on, so the precondition fails and nothing changes.
    const stale = await applyRollback(apps, plan, { dryRun: false }).catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(RollbackError);
    expect((stale as RollbackError).problem).toBe('stale');
    expect((await writes()).writes).toHaveLength(1);
  });

  it('answers other namespaces 403 and other kinds and verbs 405, as Status objects, and stores nothing', async () => {
    const base = sandbox.urls.kubernetes;
    const patch = (path: string) =>
      fetch(`${base}${path}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ spec: { replicas: 0 } }),
      });
    const forbidden = await status(await patch('/apis/apps/v1/namespaces/kube-system/deployments/frontend'));
    expect(forbidden).toMatchObject({ code: 403, body: { kind: 'Status', reason: 'Forbidden' } });
    const pod = await status(await patch('/api/v1/namespaces/default/pods/anything'));
    expect(pod).toMatchObject({ code: 405, body: { kind: 'Status', reason: 'MethodNotAllowed' } });
    const deleted = await fetch(`${base}/apis/apps/v1/namespaces/default/deployments/frontend`, {
      method: 'DELETE',
    });
    expect((await status(deleted)).code).toBe(405);
    const scale = await status(await patch('/apis/apps/v1/namespaces/default/deployments/frontend/scale'));
    expect(scale.code).toBe(405);
    const unknownType = await fetch(`${base}/apis/apps/v1/namespaces/default/deployments/frontend`, {
      method: 'PATCH',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect((await status(unknownType)).body.reason).toBe('UnsupportedMediaType');
    expect(await writes()).toEqual({ writes: [], dryRuns: [] });
  });

  it('merges a strategic merge patch into containers by name, and a merge patch null deletes a key', async () => {
    const base = `${sandbox.urls.kubernetes}/apis/apps/v1/namespaces/default/deployments/frontend`;
    const smp = await fetch(base, {
      method: 'PATCH',
      headers: { 'content-type': 'application/strategic-merge-patch+json' },
      body: JSON.stringify({
        spec: { template: { spec: { containers: [{ name: 'server', image: 'example/frontend:fixed' }] } } },
      }),
    });
    expect(smp.status).toBe(200);
    const after = await apps.readNamespacedDeployment({ name: 'frontend', namespace: 'default' });
    const server = after.spec?.template?.spec?.containers.find((c) => c.name === 'server');
    expect(server?.image).toBe('example/frontend:fixed');
    // The rest of the container is kept, as the API server's merge by name does.
    expect(server?.env?.length).toBeGreaterThan(3);
    // A new template: a new ReplicaSet, the next revision.
    expect(after.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('16');
    const replicaSets = await apps.listNamespacedReplicaSet({ namespace: 'default' });
    expect(
      replicaSets.items.filter((rs) => rs.metadata?.ownerReferences?.[0]?.name === 'frontend'),
    ).toHaveLength(4);
    const merge = await fetch(base, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { annotations: { 'kubernetes.io/change-cause': null } } }),
    });
    expect(merge.status).toBe(200);
    expect((await writes()).writes).toHaveLength(2);
  });

  it('takes a JSON patch like the one kubectl rollout undo sends, and a PUT with a stale resourceVersion is a 409', async () => {
    const base = `${sandbox.urls.kubernetes}/apis/apps/v1/namespaces/default/deployments/frontend`;
    const current = (await (await fetch(base)).json()) as { metadata: { resourceVersion: string } };
    const put = await fetch(base, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...current, metadata: { ...current.metadata, resourceVersion: '1' } }),
    });
    expect(await status(put)).toMatchObject({ code: 409, body: { reason: 'Conflict' } });
    const plan = await planRollback(apps, { namespace: 'default', deployment: 'frontend', toRevision: 13 });
    const jsonPatch = await fetch(base, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'replace', path: '/spec/template', value: plan.template }]),
    });
    expect(jsonPatch.status).toBe(200);
    expect((await writes()).writes).toEqual([
      expect.objectContaining({ revision: '16', images: plan.images }),
    ]);
  });

  it('refuses to plan a rollback of a paused Deployment, as kubectl rollout undo does', async () => {
    await apps.patchNamespacedDeployment(
      { name: 'frontend', namespace: 'default', body: { spec: { paused: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const refused = await planRollback(apps, { namespace: 'default', deployment: 'frontend' }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(RollbackError);
    expect(refused).toMatchObject({ problem: 'paused' });
    expect((refused as Error).message).toContain('kubectl rollout resume deployment/frontend -n default');
  });
});
