import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { summarisePod } from '../src/servers/kubernetes/pod-summary.js';
import { renderPods } from '../src/servers/kubernetes/render-pods.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a pod whose deletion is held by a finalizer long past its grace period is the fault
 * (its containers' SIGTERM exit is not a crash), and the finalizer is what the report names.
 */
const NOW = '2026-12-01T12:00:00Z';

function cluster(deletedAt: string, finalizers: string[]): FakeCluster {
  const stopped = {
    name: 'broker',
    state: 'terminated',
    reason: 'Error',
    exitCode: 143,
    finishedAt: deletedAt,
    ready: false,
    restartCount: 0,
  };
  return {
    workloads: {
      broker: {
        workload: { kind: 'StatefulSet', name: 'broker' },
        pods: [
          {
            name: 'broker-0',
            ownerKind: 'StatefulSet',
            ownerName: 'broker',
            containers: [running('broker')],
          },
          {
            name: 'broker-1',
            phase: 'Running',
            ready: '0/1',
            ownerKind: 'StatefulSet',
            ownerName: 'broker',
            terminating: { since: deletedAt, gracePeriodSeconds: 60, finalizers },
            containers: [stopped],
          },
        ],
      },
    },
    events: [],
    logs: {
      'broker-0': '2026-12-01T11:59:00Z INFO ok\n',
      'broker-1': '2026-12-01T11:10:00Z INFO shutting down\n',
    },
  };
}

async function diagnose(c: FakeCluster) {
  return new OfflineEngine().diagnose(engineContext(fakeTools(c), { service: 'broker', now: NOW }));
}

describe('a pod stuck Terminating', () => {
  it('names the finalizer that holds it and the replacement it blocks, not a crash', async () => {
    const findings = await diagnose(cluster('2026-12-01T11:10:00Z', ['backup.example.com/protect']));
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('backup.example.com/protect');
    expect(said(findings)).toContain('broker-1');
    expect(said(findings)).toMatch(/50 min past its deletion deadline/);
    expect(said(findings)).not.toMatch(/crash/i);
    expect(findings.suggestedFix).toContain('/metadata/finalizers');
  });

  it('is no finalizer fault while the deletion is still within its grace period', async () => {
    const findings = await diagnose(cluster('2026-12-01T11:59:30Z', ['backup.example.com/protect']));
    expect(said(findings)).not.toContain('finalizer');
  });

  it('list_pods says a pod is Terminating and which finalizers hold it', () => {
    const summary = summarisePod(
      {
        metadata: {
          name: 'broker-1',
          deletionTimestamp: new Date('2026-12-01T11:10:00Z'),
          deletionGracePeriodSeconds: 60,
          finalizers: ['backup.example.com/protect'],
        },
        spec: { containers: [{ name: 'broker', image: 'broker:1' }] },
        status: { phase: 'Running' },
      },
      new Date(NOW),
    );
    expect(summary.terminating).toEqual({
      since: '2026-12-01T11:10:00Z',
      gracePeriodSeconds: 60,
      finalizers: ['backup.example.com/protect'],
    });
    expect(renderPods([summary])[0]).toContain(
      'Terminating since 2026-12-01T11:10:00Z (finalizers: backup.example.com/protect)',
    );
  });
});
