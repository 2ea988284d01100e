import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a CSI volume attaches and mounts on a node only where the driver's node plugin (a
 * DaemonSet pod) runs and has registered the driver in the node's CSINode. When it cannot run there
 * — a taint it does not tolerate, a nodeSelector the node does not match — the volume waits
 * forever; the DaemonSet's placement against the node is the cause.
 */
const DRIVER = 'disk.csi.example.com';

const node = (name: string, taints: object[] = []) => ({
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/os': 'linux' } },
  spec: { taints },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

const csiNode = (name: string, drivers: string[]) => ({
  kind: 'CSINode',
  metadata: { name },
  spec: { drivers: drivers.map((d) => ({ name: d, nodeID: `i-${name}` })) },
});

const plugin = {
  kind: 'DaemonSet',
  metadata: { name: 'disk-csi-node', namespace: 'kube-system' },
  spec: {
    template: {
      spec: {
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
        containers: [
          { name: 'plugin', args: ['node', '--endpoint=unix:/csi/csi.sock'] },
          {
            name: 'node-driver-registrar',
            env: [{ name: 'DRIVER_REG_SOCK_PATH', value: `/var/lib/kubelet/plugins/${DRIVER}/csi.sock` }],
          },
        ],
      },
    },
  },
  status: { desiredNumberScheduled: 2 },
};

function cluster(): FakeCluster {
  return {
    workloads: {
      ledger: {
        workload: { kind: 'StatefulSet', name: 'ledger' },
        pods: [
          {
            name: 'ledger-0',
            phase: 'Pending',
            ready: '0/1',
            node: 'node-db-1',
            containers: [{ name: 'db', state: 'waiting', reason: 'ContainerCreating', ready: false }],
          },
        ],
      },
    },
    events: [
      {
        type: 'Warning',
        reason: 'FailedAttachVolume',
        object: 'Pod/ledger-0',
        count: 20,
        message:
          'AttachVolume.Attach failed for volume "pvc-1234" : node "node-db-1" has no NodeID annotation',
      },
      {
        type: 'Warning',
        reason: 'FailedMount',
        object: 'Pod/ledger-0',
        count: 9,
        message:
          'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to process volumes=[]: timed out waiting for the condition',
      },
    ],
    logs: {},
    objects: [
      node('node-app-1'),
      node('node-app-2'),
      node('node-db-1', [{ key: 'tier', value: 'database', effect: 'NoSchedule' }]),
      csiNode('node-app-1', [DRIVER]),
      csiNode('node-app-2', [DRIVER]),
      csiNode('node-db-1', []),
      { kind: 'PersistentVolume', metadata: { name: 'pvc-1234' }, spec: { csi: { driver: DRIVER } } },
      plugin,
    ],
  };
}

describe('a volume that cannot attach because the CSI node plugin does not run on the node', () => {
  it('names the driver, the node, the node DaemonSet and the taint it does not tolerate', async () => {
    const ctx = engineContext(fakeTools(cluster()), {
      service: 'ledger',
      namespaces: ['shop', 'kube-system'],
    });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toContain(DRIVER);
    expect(text).toContain('node-db-1');
    expect(text).toContain('DaemonSet kube-system/disk-csi-node does not tolerate');
    expect(text).toContain('tier=database:NoSchedule');
    expect(text).toMatch(/2 of 3 nodes have it/);
    expect(findings.rootCause.confidence).toBe('high');
    expect(findings.suggestedFix).toMatch(
      /Add a toleration for tier=database:NoSchedule to DaemonSet kube-system\/disk-csi-node/,
    );
  });

  it('points at the node taint the driver nodes lack when the plugin namespace is out of scope, and says what it could not read', async () => {
    const ctx = engineContext(fakeTools(cluster()), { service: 'ledger' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toContain(DRIVER);
    expect(text).toMatch(/taint tier=database:NoSchedule, which none of the nodes where the driver runs has/);
    expect(findings.rootCause.confidence).toBe('medium');
    expect(ctx.casebook.gaps.map((g) => g.what).join('\n')).toMatch(/node plugin/);
  });

  it('stays silent when the node has registered the driver since (the event is history)', async () => {
    const healed = cluster();
    healed.objects = (healed.objects ?? []).map((o) =>
      o.kind === 'CSINode' && (o.metadata as { name: string }).name === 'node-db-1'
        ? csiNode('node-db-1', [DRIVER])
        : o,
    );
    const ctx = engineContext(fakeTools(healed), { service: 'ledger', namespaces: ['shop', 'kube-system'] });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(said(findings)).not.toMatch(/not registered on node/);
  });
});
