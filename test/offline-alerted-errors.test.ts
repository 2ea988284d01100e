import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: `healthy` needs positive evidence. When the alert measured failing requests and the
 * service's pods, events and logs show nothing, the errors arise where the run could not look:
 * the report says so (inconclusive, with the gap named), never `healthy`.
 */
const cluster: FakeCluster = {
  workloads: {
    bff: {
      workload: { kind: 'Deployment', name: 'bff' },
      pods: [
        { name: 'bff-7d9f8b6c4-x2k9p', containers: [running('bff')] },
        { name: 'bff-7d9f8b6c4-q8r7t', containers: [running('bff')] },
      ],
    },
  },
  logs: {
    'bff-7d9f8b6c4-x2k9p': '2026-12-01T11:59:00Z INFO GET /healthz 200\n',
    'bff-7d9f8b6c4-q8r7t': '2026-12-01T11:59:00Z INFO GET /healthz 200\n',
  },
};

async function diagnose(text: string) {
  const ctx = engineContext(fakeTools(cluster), { service: 'bff', text });
  return { f: await new OfflineEngine().diagnose(ctx), ctx };
}

describe('an alert of failing requests on a service that looks fine', () => {
  it('is inconclusive with the gap named, not healthy', async () => {
    const { f, ctx } = await diagnose('BffErrorBudgetBurn: ELB 502 ratio 4% on bff for 10m');
    expect(f.status).toBe('inconclusive');
    expect(f.summary).toContain('ELB 502 ratio 4% on bff for 10m');
    expect(ctx.casebook.gaps.map((g) => g.what).join(' ')).toContain(
      'where the errors the alert reports come from',
    );
  });

  it('stays healthy when the alert is about latency, which a healthy service can have had', async () => {
    const { f } = await diagnose('WARNING: bff p99 latency 412ms above 250ms for 5m');
    expect(f.status).toBe('healthy');
  });
});
