import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a restart whose last termination is days old, the container running and ready since
 * and its current log clean, is history — not a crash loop.
 */
function cluster(finishedAt: string, restartCount = 1): FakeCluster {
  return {
    workloads: {
      tracker: {
        workload: { kind: 'Deployment', name: 'tracker' },
        pods: [
          {
            name: 'tracker-7d9f8c6b5-abcde',
            restarts: restartCount,
            containers: [
              running('tracker', {
                restartCount,
                lastTermination: { reason: 'Error', exitCode: 1, finishedAt },
              }),
            ],
          },
          { name: 'tracker-7d9f8c6b5-fghij', containers: [running('tracker')] },
        ],
      },
    },
    logs: {
      'tracker-7d9f8c6b5-abcde':
        '2026-12-01T11:58:00Z INFO committed offsets\n2026-12-01T11:58:30Z INFO committed offsets\n2026-12-01T11:59:00Z INFO committed offsets\n',
      'tracker-7d9f8c6b5-abcde.previous':
        '2026-11-26T03:12:00Z INFO committed offsets\n2026-11-26T03:12:40Z ERROR broker unavailable, giving up\n',
      'tracker-7d9f8c6b5-fghij': '2026-12-01T11:59:00Z INFO committed offsets\n',
    },
  };
}

async function diagnose(c: FakeCluster) {
  return new OfflineEngine().diagnose(engineContext(fakeTools(c), { service: 'tracker' }));
}

describe('a restart long ago', () => {
  it('is healthy when the container has run and stayed ready for days', async () => {
    const findings = await diagnose(cluster('2026-11-26T03:12:47Z'));
    expect(findings.status).toBe('healthy');
    expect(findings.summary).toContain('one restart of pod tracker-7d9f8c6b5-abcde');
  });

  it('is still the incident when the restart happened minutes ago', async () => {
    const findings = await diagnose(cluster('2026-12-01T11:50:00Z'));
    expect(findings.status).not.toBe('healthy');
  });

  it('is a pattern, not history, when the container restarted many times', async () => {
    const findings = await diagnose(cluster('2026-11-26T03:12:47Z', 9));
    expect(findings.status).not.toBe('healthy');
  });
});
