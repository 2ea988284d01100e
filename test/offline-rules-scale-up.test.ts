import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: the scheduler reports each node under the first filter it fails, and taints are
 * checked before resources. Nodes reported as full are the ones the pods may use; the tainted rest
 * is reserved for others. When the cluster autoscaler then says it cannot add a node (the fitting
 * node group is at its maximum, or in backoff), that limit is the cause, not the taint.
 */
const pending = (name: string) => ({
  name,
  phase: 'Pending',
  ready: '0/1',
  conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }],
  containers: [
    {
      name: 'app',
      state: 'waiting',
      reason: 'ContainerCreating',
      ready: false,
      restartCount: 0,
      resources: { requests: { cpu: '2', memory: '4Gi' } },
    },
  ],
});

const node = (name: string, group: string, taint?: { key: string; value: string }) => ({
  kind: 'Node',
  metadata: { name, labels: { 'eks.amazonaws.com/nodegroup': group, 'kubernetes.io/os': 'linux' } },
  spec: taint ? { taints: [{ ...taint, effect: 'NoSchedule' }] } : {},
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

const podObject = (name: string) => ({
  kind: 'Pod',
  metadata: { name, namespace: 'shop' },
  spec: { containers: [{ name: 'app' }] },
});

const scheduling = {
  type: 'Warning',
  reason: 'FailedScheduling',
  count: 12,
  lastTimestamp: '2026-12-01T11:58:00Z',
  message:
    '0/5 nodes are available: 2 node(s) had untolerated taint {team: ml}, 3 Insufficient cpu. preemption: 0/5 nodes are available: 2 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.',
};

function cluster(extra: Partial<FakeCluster> & { autoscaler?: string; status?: string }): FakeCluster {
  const pods = ['indexer-7d9f8c6b5-a1b2c', 'indexer-7d9f8c6b5-d3e4f'];
  return {
    workloads: {
      indexer: { workload: { kind: 'Deployment', name: 'indexer' }, pods: pods.map(pending) },
    },
    events: [
      ...pods.map((p) => ({ ...scheduling, object: `Pod/${p}` })),
      ...(extra.autoscaler
        ? pods.map((p) => ({
            type: 'Normal',
            reason: 'NotTriggerScaleUp',
            object: `Pod/${p}`,
            count: 40,
            lastTimestamp: '2026-12-01T11:59:00Z',
            message: extra.autoscaler,
          }))
        : []),
    ],
    logs: {},
    objects: [
      ...pods.map(podObject),
      node('ip-10-0-1-1', 'search-m6i'),
      node('ip-10-0-1-2', 'search-m6i'),
      node('ip-10-0-1-3', 'search-m6i'),
      node('ip-10-0-2-1', 'ml-gpu', { key: 'team', value: 'ml' }),
      node('ip-10-0-2-2', 'ml-gpu', { key: 'team', value: 'ml' }),
      ...(extra.status
        ? [
            {
              kind: 'ConfigMap',
              metadata: { name: 'cluster-autoscaler-status', namespace: 'kube-system' },
              data: { status: extra.status },
            },
          ]
        : []),
    ],
    ...extra,
  };
}

const TEXT_STATUS = `Cluster-autoscaler status at 2026-12-01 11:59:50 +0000 UTC:
Cluster-wide:
  Health:      Healthy (ready=5 unready=0 notStarted=0 longNotStarted=0 registered=5 longUnregistered=0)

NodeGroups:
  Name:        eks-ml-gpu-1a2b3c4d-0000-1111-2222-333344445555
  Health:      Healthy (ready=2 unready=0 notStarted=0 longNotStarted=0 registered=2 longUnregistered=0 cloudProviderTarget=2 (minSize=0, maxSize=4))
  ScaleUp:     NoActivity (ready=2 cloudProviderTarget=2)

  Name:        eks-search-m6i-9f8e7d6c-0000-1111-2222-333344445555
  Health:      Healthy (ready=3 unready=0 notStarted=0 longNotStarted=0 registered=3 longUnregistered=0 cloudProviderTarget=3 (minSize=1, maxSize=3))
  ScaleUp:     NoActivity (ready=3 cloudProviderTarget=3)
`;

const YAML_STATUS = `time: 2026-12-01 11:59:50 +0000 UTC
autoscalerStatus: Running
nodeGroups:
- name: eks-search-m6i-9f8e7d6c-0000-1111-2222-333344445555
  health:
    status: Healthy
    cloudProviderTarget: 3
    minSize: 1
    maxSize: 10
  scaleUp:
    status: Backoff
    backoffInfo:
      errorCode: InsufficientInstanceCapacity
      errorMessage: We currently do not have sufficient m6i.2xlarge capacity in the Availability Zone you requested.
`;

describe('pods Pending that the cluster autoscaler cannot make room for', () => {
  it('blame the node group at its max size, named from the nodes and the autoscaler status, not the taint', async () => {
    const ctx = engineContext(
      fakeTools(
        cluster({
          autoscaler:
            "pod didn't trigger scale-up: 1 max node group size reached, 1 node(s) had untolerated taint {team: ml}",
          status: TEXT_STATUS,
          repo: {
            'infra/eks/node_groups.tf':
              'resource "aws_eks_node_group" "ml" {\n  node_group_name = "ml-gpu"\n  max_size = 4\n}\n\nresource "aws_eks_node_group" "search" {\n  node_group_name = "search-m6i"\n  instance_types  = ["m6i.2xlarge"]\n  scaling_config {\n    min_size = 1\n    max_size = 3\n  }\n}\n',
          },
        }),
      ),
      { service: 'indexer', namespaces: ['shop', 'kube-system'] },
    );
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    // The group's own block, not the first max_size of the file.
    expect(ctx.casebook.suspectFiles).toContainEqual(
      expect.objectContaining({ path: 'infra/eks/node_groups.tf', line: 11 }),
    );
    expect(findings.suggestedFix).toContain('infra/eks/node_groups.tf (line 11: max_size = 3)');
    const text = said(findings);
    expect(text).toContain('max node group size');
    expect(text).toContain('eks-search-m6i-9f8e7d6c-0000-1111-2222-333344445555');
    expect(text).toContain('maxSize 3');
    expect(text).not.toMatch(/which the pods do not tolerate/);
    expect(findings.suggestedFix).toMatch(/Raise the max size of node group eks-search-m6i/);
    expect(findings.suggestedFix).not.toMatch(/toleration/);
    expect(ctx.casebook.evidence.map((e) => e.detail).join('\n')).toMatch(/NotTriggerScaleUp/);
  });

  it('name the usable node group from node labels when the status ConfigMap is out of scope', async () => {
    const ctx = engineContext(
      fakeTools(
        cluster({
          autoscaler:
            "pod didn't trigger scale-up: 1 max node group size reached, 1 node(s) had untolerated taint {team: ml}",
          status: TEXT_STATUS,
        }),
      ),
      { service: 'indexer' },
    );
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/node group search-m6i is at its max node group size/);
    // Not asked for, so not a gap: the namespace was never in scope.
    expect(ctx.casebook.gaps).toEqual([]);
  });

  it('say the scale-up failed and quote the cloud error when the group is in backoff', async () => {
    const ctx = engineContext(
      fakeTools(
        cluster({
          autoscaler:
            "pod didn't trigger scale-up: 1 in backoff after failed scale-up, 1 node(s) had untolerated taint {team: ml}",
          status: YAML_STATUS,
        }),
      ),
      { service: 'indexer', namespaces: ['shop', 'kube-system'] },
    );
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/in backoff/);
    expect(said(findings)).toContain('InsufficientInstanceCapacity');
    expect(findings.suggestedFix).toMatch(/Find why the scale-up of node group eks-search-m6i/);
  });

  it('say no node group the autoscaler grows fits the pods when every group fails their placement', async () => {
    const ctx = engineContext(
      fakeTools(
        cluster({
          autoscaler:
            "pod didn't trigger scale-up: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {team: ml}",
        }),
      ),
      { service: 'indexer' },
    );
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/none of the node groups it may grow makes nodes the pods may use/);
    expect(said(findings)).toMatch(/\(search-m6i\) is not one it scales/);
    expect(findings.suggestedFix).toMatch(
      /Let the cluster autoscaler grow the node group the pods may use \(search-m6i\)/,
    );
  });

  it('without an autoscaler verdict, blame the resource shortage on the usable nodes, not the taint', async () => {
    const ctx = engineContext(fakeTools(cluster({})), { service: 'indexer' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/no node the pods may use has enough free cpu/);
    expect(said(findings)).toMatch(/taint team: ml are reserved for other workloads/);
    expect(findings.suggestedFix).toMatch(/Lower the pods' resource requests|add capacity/);
    expect(findings.suggestedFix).not.toMatch(/toleration/);
  });
});
