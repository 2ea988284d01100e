import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a StatefulSet whose updateRevision differs from its currentRevision, held back by a
 * partition or OnDelete, runs the old template; the fix that the new revision carries never arrived.
 */
const pod = (ordinal: number) => ({
  name: `ledger-${ordinal}`,
  ownerKind: 'StatefulSet',
  ownerName: 'ledger',
  labels: { app: 'ledger', 'controller-revision-hash': 'ledger-6b8f7c9d4' },
  containers: [running('ledger', { image: 'registry.example/ledger:3.1.0' })],
});

function cluster(strategy: Record<string, unknown>, updated = 0): FakeCluster {
  return {
    workloads: {
      ledger: { workload: { kind: 'StatefulSet', name: 'ledger' }, pods: [pod(0), pod(1)] },
    },
    logs: {
      'ledger-0': 'ERROR batch rejected: 413 Request Entity Too Large\n'.repeat(4),
      'ledger-1': 'INFO flushed 200 events\n',
    },
    objects: [
      {
        kind: 'StatefulSet',
        metadata: { name: 'ledger', namespace: 'shop' },
        spec: {
          replicas: 2,
          updateStrategy: strategy,
          template: { spec: { containers: [{ name: 'ledger', image: 'registry.example/ledger:3.1.1' }] } },
        },
        status: {
          replicas: 2,
          updatedReplicas: updated,
          currentRevision: 'ledger-6b8f7c9d4',
          updateRevision: 'ledger-5d9c8b7f6',
        },
      },
    ],
  };
}

async function diagnose(c: FakeCluster) {
  return new OfflineEngine().diagnose(engineContext(fakeTools(c), { service: 'ledger' }));
}

describe('a StatefulSet stuck on its old revision', () => {
  it('names a partition at or above the replica count and the old image', async () => {
    const findings = await diagnose(cluster({ type: 'RollingUpdate', rollingUpdate: { partition: 2 } }));
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('partition is 2');
    expect(said(findings)).toContain('updateRevision is ledger-5d9c8b7f6');
    expect(said(findings)).toContain('ledger:3.1.0');
    expect(findings.suggestedFix).toContain('"partition":0');
  });

  it('names OnDelete, whose pods change only when deleted', async () => {
    const findings = await diagnose(cluster({ type: 'OnDelete' }));
    expect(said(findings)).toContain('OnDelete');
    expect(findings.suggestedFix).toContain('delete the pods');
  });

  it('leaves a rolling update without a partition to the other rules', async () => {
    const findings = await diagnose(cluster({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, 1));
    expect(said(findings)).not.toContain('old revision');
  });
});

describe('a partitioned canary that fails on the new revision', () => {
  it('is not called a stuck revision', async () => {
    const c = cluster({ type: 'RollingUpdate', rollingUpdate: { partition: 1 } }, 1);
    const pods = c.workloads?.ledger?.pods ?? [];
    pods[1] = {
      ...pod(1),
      ready: '0/1',
      restarts: 4,
      labels: { app: 'ledger', 'controller-revision-hash': 'ledger-5d9c8b7f6' },
      containers: [
        running('ledger', { ready: false, restartCount: 4, image: 'registry.example/ledger:3.1.1' }),
      ],
    };
    const findings = await diagnose(c);
    expect(said(findings)).not.toContain('stuck on its old revision');
  });
});
