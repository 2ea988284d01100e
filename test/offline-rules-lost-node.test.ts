import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a pod deleted while its node is unreachable stays Terminating (only its kubelet can
 * confirm the containers stopped), and a StatefulSet will not start the same identity twice, so
 * the lost node, not a healthy-looking container status, is the fault.
 */
const NOW = '2026-12-01T12:00:00Z';

function cluster(nodeReady: string): FakeCluster {
  return {
    workloads: {
      ledger: {
        workload: { kind: 'StatefulSet', name: 'ledger' },
        pods: [
          {
            name: 'ledger-0',
            ownerKind: 'StatefulSet',
            ownerName: 'ledger',
            node: 'node-a',
            containers: [running('ledger')],
          },
          {
            name: 'ledger-1',
            phase: 'Running',
            ownerKind: 'StatefulSet',
            ownerName: 'ledger',
            node: 'node-b',
            // As the API still reports it: the container's last known state was ready.
            terminating: { since: '2026-12-01T11:20:00Z', gracePeriodSeconds: 30, finalizers: [] },
            containers: [running('ledger')],
          },
        ],
      },
    },
    logs: { 'ledger-0': '2026-12-01T11:59:00Z INFO ok\n', 'ledger-1': '2026-12-01T11:05:00Z INFO ok\n' },
    objects: [
      {
        kind: 'Node',
        metadata: { name: 'node-a' },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      },
      {
        kind: 'Node',
        metadata: { name: 'node-b' },
        spec:
          nodeReady === 'True'
            ? {}
            : { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
        status: {
          conditions: [
            {
              type: 'Ready',
              status: nodeReady,
              reason: 'NodeStatusUnknown',
              message: 'Kubelet stopped posting node status.',
            },
          ],
        },
      },
    ],
  };
}

describe('a pod held Terminating by an unreachable node', () => {
  it('names the node and the replica the StatefulSet cannot recreate, never healthy', async () => {
    const f = await new OfflineEngine().diagnose(
      engineContext(fakeTools(cluster('Unknown')), { service: 'ledger', now: NOW }),
    );
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain(
      'ledger-1 is stuck Terminating for 40 min because its node node-b is unreachable',
    );
    expect(said(f)).toContain('Kubelet stopped posting node status');
    expect(f.suggestedFix).toContain('kubectl delete node node-b');
  });

  it('is not blamed on a node that is Ready', async () => {
    const f = await new OfflineEngine().diagnose(
      engineContext(fakeTools(cluster('True')), { service: 'ledger', now: NOW }),
    );
    expect(said(f)).not.toContain('unreachable');
  });
});
