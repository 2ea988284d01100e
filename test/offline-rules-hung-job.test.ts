import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a CronJob run that has lasted far longer than its finished runs, while the controller
 * skips new runs for it (JobAlreadyActive, concurrencyPolicy Forbid), is the fault — not healthy.
 */
async function diagnose(cluster: FakeCluster) {
  const ctx = engineContext(fakeTools(cluster), { service: 'reconcile', now: '2026-12-01T12:00:00Z' });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

const owner = { ownerReferences: [{ kind: 'CronJob', name: 'reconcile' }] };
function job(name: string, start: string, end?: string) {
  return {
    kind: 'Job',
    metadata: { name, namespace: 'shop', ...owner, creationTimestamp: start },
    status: end
      ? {
          startTime: start,
          completionTime: end,
          succeeded: 1,
          conditions: [{ type: 'Complete', status: 'True' }],
        }
      : { startTime: start, active: 1 },
  };
}

function cluster(policy: string, runningSince: string): FakeCluster {
  const pod = 'reconcile-29900000-abcde';
  return {
    workloads: {
      reconcile: {
        workload: { kind: 'CronJob', name: 'reconcile' },
        pods: [
          {
            name: pod,
            ownerKind: 'Job',
            ownerName: 'reconcile-29900000',
            containers: [running('reconcile')],
          },
        ],
      },
    },
    events: [
      {
        type: 'Normal',
        reason: 'JobAlreadyActive',
        object: 'CronJob/reconcile',
        count: 11,
        lastTimestamp: '2026-12-01T11:55:00Z',
        message: 'Not starting job because prior execution is running and concurrency policy is Forbid',
      },
    ],
    logs: { [pod]: '2026-12-01T06:01:10Z INFO acquiring lock on ledger table\n' },
    objects: [
      {
        kind: 'CronJob',
        metadata: { name: 'reconcile', namespace: 'shop' },
        spec: { schedule: '*/30 * * * *', concurrencyPolicy: policy },
        status: { active: [{ kind: 'Job', name: 'reconcile-29900000' }] },
      },
      job('reconcile-29899940', '2026-12-01T05:00:00Z', '2026-12-01T05:04:00Z'),
      job('reconcile-29899970', '2026-12-01T05:30:00Z', '2026-12-01T05:35:00Z'),
      job('reconcile-29900000', runningSince),
    ],
  };
}

describe('a CronJob run that hangs', () => {
  it('names the run, how long it ran against the usual, and the skipped schedules', async () => {
    const { findings } = await diagnose(cluster('Forbid', '2026-12-01T06:00:00Z'));
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('reconcile-29900000');
    expect(said(findings)).toContain('6 h 0 min');
    expect(said(findings)).toContain('JobAlreadyActive ×11');
    expect(said(findings)).toContain('acquiring lock');
    expect(findings.suggestedFix).toContain('kubectl delete job reconcile-29900000');
  });

  it('is not hung when the run is within its usual time', async () => {
    const { findings } = await diagnose(cluster('Forbid', '2026-12-01T11:57:00Z'));
    expect(said(findings)).not.toContain('hangs');
  });

  it('is not this failure when runs may overlap', async () => {
    const { findings } = await diagnose(cluster('Allow', '2026-12-01T06:00:00Z'));
    expect(said(findings)).not.toContain('hangs');
  });
});
