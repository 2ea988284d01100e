import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said } from './helpers/offline-fakes.js';

/**
 * Principle: the scheduler reports each node under the first filter it fails, node affinity first,
 * so nodes reported for pod anti-affinity did match the selector: with more replicas than those
 * nodes, the required anti-affinity is the blocker, not the node labels.
 */
describe('replicas blocked by their own required anti-affinity', () => {
  it('says the eligible nodes each already run one, not that no node has the labels', async () => {
    const pending = 'rater-5d6e7f8a9-pend1';
    const ctx = engineContext(
      fakeTools({
        workloads: {
          rater: {
            workload: { kind: 'Deployment', name: 'rater' },
            pods: [
              { name: 'rater-5d6e7f8a9-run01', containers: [running('rater')] },
              {
                name: pending,
                phase: 'Pending',
                ready: '0/1',
                containers: [{ name: 'rater', state: 'waiting', reason: 'Pending', ready: false }],
              },
            ],
          },
        },
        events: [
          {
            type: 'Warning',
            reason: 'FailedScheduling',
            object: `Pod/${pending}`,
            count: 8,
            message:
              "0/5 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 3 node(s) didn't match pod anti-affinity rules. preemption: 0/5 nodes are available: 2 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.",
          },
        ],
        logs: { 'rater-5d6e7f8a9-run01': 'INFO ok\n' },
      }),
      { service: 'rater' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('each of the 3 node(s) the pods may use already runs one of them');
    expect(said(f)).not.toContain('no node has the labels');
    expect(f.suggestedFix).toContain('preferredDuringSchedulingIgnoredDuringExecution');
  });
});
