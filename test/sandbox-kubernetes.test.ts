import { join } from 'node:path';
import { ApiException, AppsV1Api, CoreV1Api, EventsV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox } from '../src/sandbox/sandbox.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';

const fixture = join(import.meta.dirname, 'fixtures', 'scenarios', 'shop-checkout');
const crashing = 'checkoutservice-6d5f8b7c9-k2x7p';
const payment = 'paymentservice-7b8c9d6f5-q4w8z';

let sandbox: Sandbox;
let core: CoreV1Api;
let apps: AppsV1Api;
let events: EventsV1Api;

beforeAll(async () => {
  sandbox = await startSandbox(await loadScenario(fixture));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sandbox.kubeconfigPath);
  core = kubeConfig.makeApiClient(CoreV1Api);
  apps = kubeConfig.makeApiClient(AppsV1Api);
  events = kubeConfig.makeApiClient(EventsV1Api);
});
afterAll(() => sandbox.close());

/** The Status body of a failed call, as a caller would inspect it. */
async function failure(call: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiException);
  const apiError = error as ApiException<string>;
  return { code: apiError.code, status: JSON.parse(apiError.body) as Record<string, unknown> };
}

const names = (list: { items: { metadata?: { name?: string } }[] }) =>
  list.items.map((i) => i.metadata?.name);

describe('CoreV1Api against the sandbox', () => {
  it('lists the pods of a namespace with their status', async () => {
    const pods = await core.listNamespacedPod({ namespace: 'shop' });
    expect(pods.kind).toBe('PodList');
    expect(pods.metadata?.resourceVersion).toBeTruthy();
    expect(names(pods)).toEqual([crashing, payment]);
    const status = pods.items[0]?.status?.containerStatuses?.[0];
    expect(status?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(status?.restartCount).toBe(4);
  });

  it('lists pods across namespaces', async () => {
    const pods = await core.listPodForAllNamespaces();
    expect(pods.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toEqual([
      'kube-system/coredns-5d78c9869d-8xk2m',
      `shop/${crashing}`,
      `shop/${payment}`,
    ]);
  });

  it.each([
    ['app=paymentservice', [payment]],
    ['app==checkoutservice', [crashing]],
    ['app!=paymentservice', [crashing]],
    ['app in (checkoutservice, frontend)', [crashing]],
    ['app notin (checkoutservice)', [payment]],
    ['tier', [payment]],
    ['!tier', [crashing]],
    ['app=paymentservice,tier=backend', [payment]],
    ['app=paymentservice,tier=frontend', []],
  ])('selects pods by label: %s', async (labelSelector, expected) => {
    expect(names(await core.listNamespacedPod({ namespace: 'shop', labelSelector }))).toEqual(expected);
  });

  it.each([
    ['metadata.name=' + payment, [payment]],
    ['status.phase=Running,metadata.namespace=shop', [crashing, payment]],
    ['spec.nodeName=gke-shop-pool-1-a1b2,metadata.name!=' + crashing, [payment]],
    ['status.phase=Pending', []],
  ])('selects pods by field: %s', async (fieldSelector, expected) => {
    expect(names(await core.listNamespacedPod({ namespace: 'shop', fieldSelector }))).toEqual(expected);
  });

  it('rejects a malformed label selector with 400', async () => {
    const { code, status } = await failure(
      core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app in (a' }),
    );
    expect(code).toBe(400);
    expect(status).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
  });

  it('reads one pod, and answers 404 NotFound with details for a missing one', async () => {
    const pod = await core.readNamespacedPod({ namespace: 'shop', name: payment });
    expect(pod.spec?.containers.map((c) => c.name)).toEqual(['server', 'envoy']);
    const { code, status } = await failure(core.readNamespacedPod({ namespace: 'shop', name: 'nope' }));
    expect(code).toBe(404);
    expect(status).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      message: 'pods "nope" not found',
      details: { name: 'nope', kind: 'pods' },
      code: 404,
    });
    expect((await failure(core.readNamespacedPod({ namespace: 'default', name: crashing }))).code).toBe(404);
  });

  it('refuses writes with 405', async () => {
    const { code, status } = await failure(core.deleteNamespacedPod({ namespace: 'shop', name: crashing }));
    expect(code).toBe(405);
    expect(status.reason).toBe('MethodNotAllowed');
  });

  it('lists events selected by the object they are about', async () => {
    const fieldSelector = `involvedObject.name=${crashing},involvedObject.kind=Pod`;
    const list = await core.listNamespacedEvent({ namespace: 'shop', fieldSelector });
    expect(list.items.map((e) => e.reason)).toEqual(['Scheduled', 'BackOff']);
    const warnings = await core.listEventForAllNamespaces({ fieldSelector: 'type=Warning' });
    expect(warnings.items.map((e) => [e.reason, e.count, e.involvedObject.name])).toEqual([
      ['BackOff', 12, crashing],
    ]);
    const byReason = await core.listNamespacedEvent({
      namespace: 'shop',
      fieldSelector: 'reason=SuccessfulCreate',
    });
    expect(byReason.items[0]?.involvedObject.kind).toBe('ReplicaSet');
  });

  it('serves events.k8s.io/v1 events too', async () => {
    const list = await events.listNamespacedEvent({
      namespace: 'shop',
      fieldSelector: `regarding.name=${crashing},type=Warning`,
    });
    expect(list.items.map((e) => [e.reason, e.note, e.deprecatedCount])).toEqual([
      ['BackOff', expect.stringContaining('Back-off restarting failed container server'), 12],
    ]);
  });

  it('serves services, endpoints, configmaps, nodes and namespaces', async () => {
    expect(names(await core.listNamespacedService({ namespace: 'shop' }))).toEqual(['checkoutservice']);
    expect(
      (await core.readNamespacedService({ namespace: 'shop', name: 'checkoutservice' })).spec?.clusterIP,
    ).toBe('10.8.1.20');
    expect(
      (await core.readNamespacedEndpoints({ namespace: 'shop', name: 'paymentservice' })).subsets?.[0]
        ?.addresses?.[0]?.ip,
    ).toBe('10.4.0.9');
    expect(
      (await core.readNamespacedConfigMap({ namespace: 'shop', name: 'checkout-config' })).data?.ROUNDING,
    ).toBe('per-currency');
    expect(names(await core.listNode())).toEqual(['gke-shop-pool-1-a1b2']);
    expect((await core.readNode({ name: 'gke-shop-pool-1-a1b2' })).status?.nodeInfo?.kubeletVersion).toBe(
      'v1.31.4-gke.1183000',
    );
    expect(names(await core.listNamespace())).toEqual(['default', 'kube-system', 'shop']);
    expect((await core.readNamespace({ name: 'shop' })).status?.phase).toBe('Active');
  });
});

describe('pod logs', () => {
  const log = (params: Partial<Parameters<CoreV1Api['readNamespacedPodLog']>[0]>) =>
    core.readNamespacedPodLog({ namespace: 'shop', name: crashing, ...params });

  it('returns the current log of the only container', async () => {
    const text = await log({});
    expect(text).toContain('ERROR panic: assignment to entry in nil map');
    expect(text.split('\n')[0]).toBe(
      '2026-11-20T14:20:01.120Z INFO checkoutservice starting, version v0.9.1',
    );
  });

  it('honours tailLines, previous and sinceSeconds (relative to the scenario clock)', async () => {
    expect(await log({ tailLines: 2 })).toBe(
      'main.placeOrder({0xc000120000, 0x1, 0x1})\n\t/src/checkoutservice/main.go:15 +0x1a5\n',
    );
    expect(await log({ previous: true })).toContain('2026-11-20T14:14:58.447Z ERROR panic');
    // now is 14:30:00, so 5 minutes keeps the 14:27:44 lines and the stack trace under them.
    const recent = await log({ sinceSeconds: 300 });
    expect(recent.split('\n')[0]).toBe(
      '2026-11-20T14:27:44.902Z INFO PlaceOrder user_id=u-1842 currency=USD',
    );
    expect(recent).toContain('/src/checkoutservice/main.go:15');
    expect(recent).not.toContain('starting');
    expect(await log({ sinceSeconds: 300, tailLines: 1 })).toBe('\t/src/checkoutservice/main.go:15 +0x1a5\n');
  });

  it('keeps every line of a log without timestamps for sinceSeconds', async () => {
    const text = await core.readNamespacedPodLog({
      namespace: 'shop',
      name: payment,
      container: 'server',
      sinceSeconds: 1,
    });
    expect(text.trim().split('\n')).toHaveLength(3);
  });

  it('needs a container name for a pod with several containers, like the real API', async () => {
    const { code, status } = await failure(core.readNamespacedPodLog({ namespace: 'shop', name: payment }));
    expect(code).toBe(400);
    expect(status.message).toBe(
      `a container name must be specified for pod ${payment}, choose one of: [server envoy]`,
    );
    const envoy = await core.readNamespacedPodLog({ namespace: 'shop', name: payment, container: 'envoy' });
    expect(envoy).toContain('upstream reset: connection termination');
  });

  it('answers 400 for a container the pod does not have', async () => {
    const { code, status } = await failure(log({ container: 'sidecar' }));
    expect(code).toBe(400);
    expect(status).toMatchObject({
      reason: 'BadRequest',
      message: `container sidecar is not valid for pod ${crashing}`,
    });
  });

  it('returns an empty log for a pod without a log file, and 400 for a previous log that never was', async () => {
    expect(
      await core.readNamespacedPodLog({ namespace: 'kube-system', name: 'coredns-5d78c9869d-8xk2m' }),
    ).toBe('');
    const previous = core.readNamespacedPodLog({
      namespace: 'kube-system',
      name: 'coredns-5d78c9869d-8xk2m',
      previous: true,
    });
    expect((await failure(previous)).status.message).toBe(
      'previous terminated container "coredns" in pod "coredns-5d78c9869d-8xk2m" not found',
    );
    expect((await failure(core.readNamespacedPodLog({ namespace: 'shop', name: 'nope' }))).code).toBe(404);
  });
});

describe('AppsV1Api against the sandbox', () => {
  it('lists and reads deployments and replicasets', async () => {
    const deployments = await apps.listNamespacedDeployment({ namespace: 'shop' });
    expect(deployments.kind).toBe('DeploymentList');
    expect(deployments.items.map((d) => [d.metadata?.name, d.status?.availableReplicas])).toEqual([
      ['checkoutservice', 0],
      ['paymentservice', 1],
    ]);
    const deployment = await apps.readNamespacedDeployment({ namespace: 'shop', name: 'checkoutservice' });
    expect(deployment.spec?.template.spec?.containers[0]?.image).toContain('checkoutservice:v0.9.1');
    const replicaSets = await apps.listNamespacedReplicaSet({
      namespace: 'shop',
      labelSelector: 'app=checkoutservice',
    });
    expect(replicaSets.items[0]?.metadata?.ownerReferences?.[0]?.name).toBe('checkoutservice');
    expect(names(await apps.listDeploymentForAllNamespaces({ labelSelector: 'app' }))).toEqual([
      'checkoutservice',
      'paymentservice',
    ]);
    const { code, status } = await failure(
      apps.readNamespacedDeployment({ namespace: 'shop', name: 'cart' }),
    );
    expect([code, status.message]).toEqual([404, 'deployments.apps "cart" not found']);
  });
});
