import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: when the service runs short of something it shares (node capacity, connection slots,
 * an API quota, a broker's memory), the workload next to it that grew, or the consumer that
 * stopped, shortly before is named with when it happened.
 */
const NOW = '2026-12-01T12:00:00Z';

function cluster(jobAt: string): FakeCluster {
  return {
    workloads: {
      scorer: {
        workload: { kind: 'Deployment', name: 'scorer' },
        pods: [
          { name: 'scorer-6d5c4b3a2-aaaaa', containers: [running('scorer')] },
          {
            name: 'scorer-6d5c4b3a2-bbbbb',
            phase: 'Pending',
            ready: '0/1',
            containers: [{ name: 'scorer', state: 'waiting', reason: 'ContainerCreating', ready: false }],
          },
        ],
      },
    },
    events: [
      {
        type: 'Normal',
        reason: 'SuccessfulCreate',
        object: 'Job/reindex-all',
        count: 1,
        message: 'Created pod: reindex-all-0-x1',
        lastTimestamp: jobAt,
      },
      {
        type: 'Normal',
        reason: 'SuccessfulCreate',
        object: 'Job/reindex-all',
        count: 1,
        message: 'Created pod: reindex-all-1-x2',
        lastTimestamp: jobAt,
      },
      {
        type: 'Warning',
        reason: 'FailedScheduling',
        object: 'Pod/scorer-6d5c4b3a2-bbbbb',
        count: 9,
        message:
          '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
        lastTimestamp: '2026-12-01T11:55:00Z',
      },
    ],
    logs: { 'scorer-6d5c4b3a2-aaaaa': '2026-12-01T11:59:00Z INFO ok\n' },
  };
}

describe('a neighbour that took the shared capacity', () => {
  it('names the Job that started shortly before pods could not be scheduled for memory', async () => {
    const ctx = engineContext(fakeTools(cluster('2026-12-01T11:20:00Z')), { service: 'scorer', now: NOW });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('Insufficient memory');
    expect(said(f)).toContain('In the same namespace, Job reindex-all started');
  });

  it('leaves out a neighbour whose change is long past', async () => {
    const ctx = engineContext(fakeTools(cluster('2026-11-30T20:00:00Z')), { service: 'scorer', now: NOW });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(said(f)).not.toContain('reindex-all');
  });
});
