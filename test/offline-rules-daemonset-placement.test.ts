import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a DaemonSet wants one pod on every node its nodeSelector, node affinity and
 * tolerations admit (status.desiredNumberScheduled). When a change narrows that to no node, the
 * controller deletes its pods and nothing fails or waits: the selector value no node carries is
 * the cause, and the commit that wrote it the suspect.
 */
const node = (name: string, labels: Record<string, string>, taints: object[] = []) => ({
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/os': 'linux', ...labels } },
  spec: { taints },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

const daemonSet = (nodeSelector: Record<string, string>, desired: number, tolerations: object[] = []) => ({
  kind: 'DaemonSet',
  metadata: { name: 'log-shipper', namespace: 'shop' },
  spec: {
    template: {
      spec: { nodeSelector, tolerations, containers: [{ name: 'shipper', image: 'shipper:2.1' }] },
    },
  },
  status: { desiredNumberScheduled: desired, currentNumberScheduled: desired, numberReady: desired },
});

const nodes = [
  node('pool-a-1', { 'cloud.google.com/gke-nodepool': 'pool-a' }),
  node('pool-a-2', { 'cloud.google.com/gke-nodepool': 'pool-a' }),
  node('gpu-1', { 'cloud.google.com/gke-nodepool': 'gpu', 'example.io/accelerator': 'true' }, [
    { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
  ]),
];

const deletions = ['log-shipper-x1', 'log-shipper-x2', 'log-shipper-x3'].map((pod) => ({
  type: 'Normal',
  reason: 'SuccessfulDelete',
  object: 'DaemonSet/log-shipper',
  message: `Deleted pod: ${pod}`,
  lastTimestamp: '2026-12-01T11:20:00Z',
}));

const selectorCommit = {
  sha: 'c0ffee1000000000000000000000000000000000',
  message: 'log-shipper: only run on general-purpose nodes',
  date: '2026-12-01T11:15:00Z',
  files: [
    {
      path: 'deploy/log-shipper/overlays/prod/node-selector.yaml',
      patch:
        '@@ -0,0 +1,8 @@\n+kind: DaemonSet\n+metadata:\n+  name: log-shipper\n+spec:\n+  template:\n+    spec:\n+      nodeSelector:\n+        example.io/node-class: general',
    },
  ],
};

describe('a DaemonSet whose placement matches no node', () => {
  it('names the selector no node carries, the scheduled count and the commit that set it', async () => {
    const cluster: FakeCluster = {
      workloads: { 'log-shipper': { workload: { kind: 'DaemonSet', name: 'log-shipper' }, pods: [] } },
      events: deletions,
      logs: {},
      objects: [daemonSet({ 'kubernetes.io/os': 'linux', 'example.io/node-class': 'general' }, 0), ...nodes],
      commits: [
        {
          sha: 'aaa0000000000000000000000000000000000000',
          message: 'dashboards: latency panel',
          date: '2026-12-01T11:30:00Z',
          files: [{ path: 'dashboards/latency.json', patch: '@@ -1 +1 @@\n-{}\n+{"panels":[]}' }],
        },
        selectorCommit,
      ],
    };
    const ctx = engineContext(fakeTools(cluster), { service: 'log-shipper', now: '2026-12-01T11:50:00Z' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('example.io/node-class=general');
    expect(said(findings)).toContain('desiredNumberScheduled 0 of 3');
    expect(said(findings)).toMatch(/no node carries that label/);
    expect(ctx.casebook.suspectCommits.map((c) => c.sha.slice(0, 7))).toEqual(['c0ffee1']);
    expect(ctx.casebook.suspectFiles.map((f) => f.path)).toContain(
      'deploy/log-shipper/overlays/prod/node-selector.yaml',
    );
    expect(findings.suggestedFix).toMatch(/nodeSelector example\.io\/node-class=general/);
  });

  it('names the taint a narrowed DaemonSet no longer tolerates when the controller just removed pods', async () => {
    const cluster: FakeCluster = {
      workloads: {
        'log-shipper': {
          workload: { kind: 'DaemonSet', name: 'log-shipper' },
          pods: [
            { name: 'log-shipper-a', node: 'pool-a-1', containers: [running('shipper')] },
            { name: 'log-shipper-b', node: 'pool-a-2', containers: [running('shipper')] },
          ],
        },
      },
      events: deletions.slice(0, 1),
      logs: { 'log-shipper-a': 'shipping\n', 'log-shipper-b': 'shipping\n' },
      objects: [daemonSet({ 'kubernetes.io/os': 'linux' }, 2), ...nodes],
    };
    const ctx = engineContext(fakeTools(cluster), { service: 'log-shipper', now: '2026-12-01T11:50:00Z' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('nvidia.com/gpu=present:NoSchedule');
    expect(said(findings)).toMatch(/runs on only 2 of 3 nodes/);
  });

  it('stays out of the way of a DaemonSet that runs where it was meant to and replaced the pods it deleted', async () => {
    const cluster: FakeCluster = {
      workloads: {
        'log-shipper': {
          workload: { kind: 'DaemonSet', name: 'log-shipper' },
          pods: [{ name: 'log-shipper-g', node: 'gpu-1', containers: [running('shipper')] }],
        },
      },
      // A rollout: each deleted pod is replaced.
      events: [
        ...deletions.slice(0, 1),
        ...deletions
          .slice(0, 1)
          .map((e) => ({ ...e, reason: 'SuccessfulCreate', message: 'Created pod: log-shipper-g' })),
      ],
      logs: { 'log-shipper-g': 'shipping\n' },
      objects: [
        daemonSet({ 'example.io/accelerator': 'true' }, 1, [{ key: 'nvidia.com/gpu', operator: 'Exists' }]),
        ...nodes,
      ],
    };
    const ctx = engineContext(fakeTools(cluster), { service: 'log-shipper', now: '2026-12-01T11:50:00Z' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('healthy');
  });
});
