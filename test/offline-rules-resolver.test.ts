import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

import { controllerOf } from '../src/llm/offline/facts.js';
import type { KubernetesServerDeps } from '../src/servers/kubernetes/deps.js';
import { podBaseName, podWorkloads, resolveServicePods } from '../src/servers/kubernetes/resolve-service.js';

function pod(
  name: string,
  labels: Record<string, string> = {},
  owner?: { kind: string; name: string },
): V1Pod {
  return {
    metadata: {
      name,
      namespace: 'shop',
      labels,
      ...(owner ? { ownerReferences: [{ ...owner, apiVersion: 'v1', uid: 'u', controller: true }] } : {}),
    },
  };
}

function matches(selector: string | undefined, labels: Record<string, string>): boolean {
  return !selector || selector.split(',').every((p) => labels[p.split('=')[0] ?? ''] === p.split('=')[1]);
}

/** Deps over a fixed pod list and Deployments; nothing else exists. */
function deps(pods: V1Pod[], deployments: { name: string; app: string }[] = []): KubernetesServerDeps {
  const empty = async () => ({ items: [] });
  return {
    namespaces: ['shop'],
    core: {
      listNamespacedPod: async ({ labelSelector }: { labelSelector?: string }) => ({
        items: pods.filter((p) => matches(labelSelector, p.metadata?.labels ?? {})),
      }),
      listNamespacedService: empty,
    },
    apps: {
      listNamespacedDeployment: async () => ({
        items: deployments.map((d) => ({
          metadata: { name: d.name },
          spec: { selector: { matchLabels: { app: d.app } } },
        })),
      }),
      listNamespacedStatefulSet: empty,
      listNamespacedDaemonSet: empty,
    },
  } as unknown as KubernetesServerDeps;
}

describe('the name resolver never strips a real name', () => {
  it('finds a bare Pod by its own name even when it looks like a workload plus a word', async () => {
    const canary = pod('ingest-worker-canary', { app: 'ingest-worker' });
    const found = await resolveServicePods(
      deps(
        [
          canary,
          pod('ingest-worker-7d9f8b6c4-x2k9p', { app: 'ingest-worker', 'pod-template-hash': '7d9f8b6c4' }),
        ],
        [{ name: 'ingest-worker', app: 'ingest-worker' }],
      ),
      'shop',
      'ingest-worker-canary',
    );
    expect(found.workload).toEqual({ kind: 'Pod', name: 'ingest-worker-canary' });
    expect(found.pods.map((p) => p.metadata?.name)).toEqual(['ingest-worker-canary']);
  });

  it('strips only generated suffixes: pod-template-hash and pod suffix alphabet, StatefulSet ordinals', () => {
    expect(podBaseName('cartservice-7d9f8b6c4-x2k9p')).toBe('cartservice');
    expect(podBaseName('fluent-bit-x7k2m')).toBe('fluent-bit');
    expect(podBaseName('orders-db-0')).toBe('orders-db');
    expect(podBaseName('backup-check')).toBe('backup-check');
    expect(podBaseName('ingest-worker-canary')).toBe('ingest-worker-canary');
    expect(podBaseName('redis-cache')).toBe('redis-cache');
  });

  it('reads workloads from owners: the Deployment behind a ReplicaSet, the CronJob behind a Job', () => {
    expect(
      podWorkloads(
        pod(
          'web-7d9f8b6c4-x2k9p',
          { 'pod-template-hash': '7d9f8b6c4' },
          { kind: 'ReplicaSet', name: 'web-7d9f8b6c4' },
        ),
      ),
    ).toEqual([
      { kind: 'ReplicaSet', name: 'web-7d9f8b6c4' },
      { kind: 'Deployment', name: 'web' },
    ]);
    expect(podWorkloads(pod('backup-29966520-b4nwd', {}, { kind: 'Job', name: 'backup-29966520' }))).toEqual([
      { kind: 'Job', name: 'backup-29966520' },
      { kind: 'CronJob', name: 'backup' },
    ]);
    // No pod-template-hash label: the ReplicaSet's name is not cut.
    expect(podWorkloads(pod('x-abc', {}, { kind: 'ReplicaSet', name: 'payments-canary' }))).toEqual([
      { kind: 'ReplicaSet', name: 'payments-canary' },
    ]);
  });

  it('resolves a CronJob name to the pods of all its Jobs', async () => {
    const pods = [
      pod('backup-29966520-b4nwd', {}, { kind: 'Job', name: 'backup-29966520' }),
      pod('backup-29965080-5xq8d', {}, { kind: 'Job', name: 'backup-29965080' }),
      pod('other-1', {}, { kind: 'Job', name: 'other' }),
    ];
    const found = await resolveServicePods(deps(pods), 'shop', 'backup');
    expect(found.workload).toEqual({ kind: 'CronJob', name: 'backup' });
    expect(found.pods).toHaveLength(2);
  });

  it('resolves a Job name to its pods', async () => {
    const found = await resolveServicePods(
      deps([pod('db-migrate-x2vzr', { 'job-name': 'db-migrate' }, { kind: 'Job', name: 'db-migrate' })]),
      'shop',
      'db-migrate',
    );
    expect(found.workload).toEqual({ kind: 'Job', name: 'db-migrate' });
    expect(found.pods.map((p) => p.metadata?.name)).toEqual(['db-migrate-x2vzr']);
  });
});

describe('the controller behind pods found through a Service', () => {
  it('is the Deployment named by the ReplicaSet minus the pod-template-hash', () => {
    const listing = {
      workload: { kind: 'Service', name: 'checkout' },
      closestServices: [],
      pods: [
        {
          name: 'checkout-api-6d4b8f7c9d-hq2wx',
          ownerKind: 'ReplicaSet',
          ownerName: 'checkout-api-6d4b8f7c9d',
          labels: { 'pod-template-hash': '6d4b8f7c9d' },
          containers: [],
          conditions: [],
        },
      ],
    };
    expect(controllerOf(listing)).toEqual({ kind: 'Deployment', name: 'checkout-api' });
    expect(controllerOf({ ...listing, workload: { kind: 'StatefulSet', name: 'db' } })).toEqual({
      kind: 'StatefulSet',
      name: 'db',
    });
  });
});
