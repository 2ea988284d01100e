import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: an episode that ended — warning events that stopped long ago, one liveness restart
 * during it, the container running and ready since for longer than a crash loop could wait, and
 * logs clean since — is a recovered service, even when the restart is only an hour old.
 */
const NOW = '2026-12-01T12:00:00Z';

function cluster(restart: {
  startedAt: string;
  finishedAt: string;
  reason?: string;
  count?: number;
}): FakeCluster {
  const count = restart.count ?? 1;
  return {
    workloads: {
      catalog: {
        workload: { kind: 'Deployment', name: 'catalog' },
        pods: [
          {
            name: 'catalog-5f6b7c8d9-aaaaa',
            restarts: count,
            containers: [
              running('catalog', {
                restartCount: count,
                startedAt: restart.startedAt,
                lastTermination: {
                  reason: restart.reason ?? 'Error',
                  exitCode: restart.reason === 'OOMKilled' ? 137 : 143,
                  finishedAt: restart.finishedAt,
                },
              }),
            ],
          },
          {
            name: 'catalog-5f6b7c8d9-bbbbb',
            containers: [running('catalog', { startedAt: '2026-11-30T08:00:00Z' })],
          },
        ],
      },
    },
    events: [
      {
        type: 'Warning',
        reason: 'Unhealthy',
        object: 'Pod/catalog-5f6b7c8d9-aaaaa',
        message: 'Liveness probe failed: Get "http://10.1.2.3:8080/healthz": context deadline exceeded',
        count: 3,
        lastTimestamp: restart.finishedAt,
      },
      {
        type: 'Normal',
        reason: 'Killing',
        object: 'Pod/catalog-5f6b7c8d9-aaaaa',
        message: 'Container catalog failed liveness probe, will be restarted',
        count: 1,
        lastTimestamp: restart.finishedAt,
      },
    ],
    logs: {
      'catalog-5f6b7c8d9-aaaaa': [
        `${restart.startedAt.replace('Z', '.100Z')} INFO listening on :8080`,
        '2026-12-01T11:40:00Z INFO GET /items 200 4ms',
        '2026-12-01T11:50:00Z INFO GET /items 200 3ms',
        '2026-12-01T11:58:00Z INFO GET /items 200 5ms',
      ].join('\n'),
      'catalog-5f6b7c8d9-aaaaa.previous': [
        '2026-11-30T08:00:00Z INFO listening on :8080',
        '2026-12-01T10:55:00Z ERROR cache error: read ECONNRESET',
        '2026-12-01T10:55:05Z ERROR GET /items 503 5012ms',
      ].join('\n'),
      'catalog-5f6b7c8d9-bbbbb': [
        '2026-12-01T10:55:00Z ERROR cache error: read ECONNRESET',
        '2026-12-01T11:30:00Z INFO GET /items 200 4ms',
        '2026-12-01T11:45:00Z INFO GET /items 200 3ms',
        '2026-12-01T11:58:00Z INFO GET /items 200 4ms',
      ].join('\n'),
    },
  };
}

async function diagnose(c: FakeCluster) {
  return new OfflineEngine().diagnose(engineContext(fakeTools(c), { service: 'catalog', now: NOW }));
}

describe('a restart that settled', () => {
  it('is healthy when the container has run and stayed ready for an hour since', async () => {
    const findings = await diagnose(
      cluster({ finishedAt: '2026-12-01T10:57:00Z', startedAt: '2026-12-01T10:57:10Z' }),
    );
    expect(findings.status).toBe('healthy');
    expect(findings.summary).toMatch(/recovered/);
    expect(findings.summary).toContain('one restart of pod catalog-5f6b7c8d9-aaaaa');
  });

  it('is still the incident when the container came back only minutes ago', async () => {
    const findings = await diagnose(
      cluster({ finishedAt: '2026-12-01T11:49:00Z', startedAt: '2026-12-01T11:49:10Z' }),
    );
    expect(findings.status).not.toBe('healthy');
  });

  it('is not history when the restart was an OOM kill: memory regrows at its own pace', async () => {
    const findings = await diagnose(
      cluster({ finishedAt: '2026-12-01T10:57:00Z', startedAt: '2026-12-01T10:57:10Z', reason: 'OOMKilled' }),
    );
    expect(findings.status).not.toBe('healthy');
  });

  it('is a pattern when the container restarted many times', async () => {
    const findings = await diagnose(
      cluster({ finishedAt: '2026-12-01T10:57:00Z', startedAt: '2026-12-01T10:57:10Z', count: 6 }),
    );
    expect(findings.status).not.toBe('healthy');
  });
});
