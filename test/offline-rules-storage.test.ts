import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

async function diagnose(cluster: FakeCluster, service: string) {
  const ctx = engineContext(fakeTools(cluster), { service });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

const pendingPod = {
  name: 'search-0',
  phase: 'Pending',
  ready: '0/1',
  ownerKind: 'StatefulSet',
  ownerName: 'search',
  containers: [{ name: 'search', ready: false, state: 'waiting', reason: 'NotCreated' }],
};
const unbound = {
  type: 'Warning',
  reason: 'FailedScheduling',
  object: 'Pod/search-0',
  count: 6,
  message:
    '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available.',
};
const podSpec = {
  kind: 'Pod',
  metadata: { name: 'search-0', namespace: 'shop' },
  spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-search-0' } }] },
};

function claim(spec: Record<string, unknown>) {
  return {
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data-search-0', namespace: 'shop' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } }, ...spec },
    status: { phase: 'Pending' },
  };
}

describe('PersistentVolumeClaims that do not bind', () => {
  it('names the StorageClass that does not exist, and the classes that do', async () => {
    const { findings } = await diagnose(
      {
        workloads: { search: { workload: { kind: 'StatefulSet', name: 'search' }, pods: [pendingPod] } },
        events: [unbound],
        objects: [
          podSpec,
          claim({ storageClassName: 'premium-rwo' }),
          {
            kind: 'StorageClass',
            metadata: { name: 'gp3', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
          },
        ],
      },
      'search',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('StorageClass "premium-rwo", which does not exist');
    expect(said(findings)).toContain('gp3 (default)');
    expect(findings.suggestedFix).toContain('such as gp3');
  });

  it('says which access mode no PersistentVolume offers when binding is static', async () => {
    const { findings } = await diagnose(
      {
        workloads: { search: { workload: { kind: 'StatefulSet', name: 'search' }, pods: [pendingPod] } },
        events: [
          unbound,
          {
            type: 'Warning',
            reason: 'FailedBinding',
            object: 'PersistentVolumeClaim/data-search-0',
            message: 'no persistent volumes available for this claim and no storage class is set',
          },
        ],
        objects: [
          podSpec,
          claim({ accessModes: ['ReadWriteMany'], storageClassName: '' }),
          {
            kind: 'PersistentVolume',
            metadata: { name: 'nfs-data' },
            spec: { capacity: { storage: '50Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '' },
            status: { phase: 'Available' },
          },
        ],
      },
      'search',
    );
    expect(said(findings)).toContain(
      'the closest PersistentVolume nfs-data offers ReadWriteOnce, not ReadWriteMany',
    );
  });
});

describe('full volumes', () => {
  it('ties "no space left on device" to the claim mounted at that path and its size', async () => {
    const pod = 'orders-db-0';
    const { findings, ctx } = await diagnose(
      {
        workloads: {
          'orders-db': {
            workload: { kind: 'StatefulSet', name: 'orders-db' },
            pods: [
              {
                name: pod,
                ready: '0/1',
                restarts: 9,
                containers: [
                  running('postgres', {
                    ready: false,
                    restartCount: 9,
                    state: 'waiting',
                    reason: 'CrashLoopBackOff',
                    lastTermination: { reason: 'Error', exitCode: 1 },
                  }),
                ],
              },
            ],
          },
        },
        logs: {
          [pod]: '',
          [`${pod}.previous`]:
            '2026-12-01 11:58:00.000 UTC [28] PANIC:  could not write to file "/var/lib/postgresql/data/pg_wal/xlogtemp.28": No space left on device',
        },
        objects: [
          {
            kind: 'Pod',
            metadata: { name: pod, namespace: 'shop' },
            spec: {
              containers: [
                { name: 'postgres', volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }] },
              ],
              volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-orders-db-0' } }],
            },
          },
          {
            kind: 'PersistentVolumeClaim',
            metadata: { name: 'data-orders-db-0', namespace: 'shop' },
            spec: { storageClassName: 'standard', resources: { requests: { storage: '1Gi' } } },
            status: { phase: 'Bound', capacity: { storage: '1Gi' } },
          },
          { kind: 'StorageClass', metadata: { name: 'standard' }, allowVolumeExpansion: true },
        ],
      },
      'orders-db',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('PersistentVolumeClaim data-orders-db-0');
    expect(said(findings)).toContain('1Gi');
    expect(findings.suggestedFix).toContain('kubectl patch pvc data-orders-db-0');
    expect(findings.suggestedFix).toContain('volumeClaimTemplate');
    expect(ctx.casebook.evidence[0]?.detail).toContain('No space left on device');
  });
});
