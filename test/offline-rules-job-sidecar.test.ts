import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said } from './helpers/offline-fakes.js';

/**
 * Principle: a Job pod whose work container exited 0 while another regular container keeps
 * running never succeeds, so the Job never completes; the fix is a native sidecar.
 */
describe('a Job held open by its sidecar', () => {
  it('names the finished container and the one that keeps the pod running', async () => {
    const pod = 'nightly-sync-29411000-q7w8e';
    const ctx = engineContext(
      fakeTools({
        workloads: {
          'nightly-sync': {
            workload: { kind: 'Job', name: 'nightly-sync-29411000' },
            pods: [
              {
                name: pod,
                phase: 'Running',
                ready: '1/2',
                ownerKind: 'Job',
                ownerName: 'nightly-sync-29411000',
                containers: [
                  {
                    name: 'sync',
                    state: 'terminated',
                    reason: 'Completed',
                    exitCode: 0,
                    ready: false,
                    finishedAt: '2026-12-01T10:00:00Z',
                  },
                  running('log-shipper', { image: 'fluent/fluent-bit:3.1' }),
                ],
              },
            ],
          },
        },
        logs: { [pod]: 'sync done: 1200 rows\n' },
      }),
      { service: 'nightly-sync', now: '2026-12-01T12:00:00Z' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain(
      'its work container sync finished (exit 0) 120 min ago, but the sidecar container log-shipper keeps running',
    );
    expect(f.suggestedFix).toContain('restartPolicy: Always');
  });
});
