import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: "failed liveness probe, will be restarted" means the liveness probe restarts the
 * container; when the killed container was still starting and the probe's budget is shorter than
 * its start-up, the probe is too tight for a slow start.
 */
const startup = Array.from(
  { length: 8 },
  (_, i) => `2026-12-01T11:58:${String(i * 8).padStart(2, '0')}Z INFO warming cache ${i * 12}%`,
).join('\n');

function cluster(previousLog: string, probe: Record<string, unknown>): FakeCluster {
  return {
    workloads: {
      maps: {
        workload: { kind: 'Deployment', name: 'maps' },
        pods: [
          {
            name: 'maps-5f7d9c8b6f-x1y2z',
            ready: '0/1',
            restarts: 6,
            containers: [
              running('maps', {
                ready: false,
                restartCount: 6,
                lastTermination: { reason: 'Error', exitCode: 143 },
              }),
            ],
          },
        ],
      },
    },
    events: [
      {
        type: 'Warning',
        reason: 'Unhealthy',
        object: 'Pod/maps-5f7d9c8b6f-x1y2z',
        message:
          'Readiness probe failed: Get "http://10.0.0.9:8080/ready": dial tcp 10.0.0.9:8080: connect: connection refused',
        count: 40,
      },
      {
        type: 'Warning',
        reason: 'Unhealthy',
        object: 'Pod/maps-5f7d9c8b6f-x1y2z',
        message:
          'Liveness probe failed: Get "http://10.0.0.9:8080/live": dial tcp 10.0.0.9:8080: connect: connection refused',
        count: 18,
      },
      {
        type: 'Normal',
        reason: 'Killing',
        object: 'Pod/maps-5f7d9c8b6f-x1y2z',
        message: 'Container maps failed liveness probe, will be restarted',
        count: 6,
      },
    ],
    logs: { 'maps-5f7d9c8b6f-x1y2z': startup, 'maps-5f7d9c8b6f-x1y2z.previous': previousLog },
    objects: [
      {
        kind: 'Pod',
        metadata: { name: 'maps-5f7d9c8b6f-x1y2z', namespace: 'shop' },
        spec: {
          containers: [{ name: 'maps', livenessProbe: { httpGet: { path: '/live', port: 8080 }, ...probe } }],
        },
      },
    ],
  };
}

async function diagnose(c: FakeCluster) {
  return new OfflineEngine().diagnose(engineContext(fakeTools(c), { service: 'maps' }));
}

describe('containers killed by their liveness probe', () => {
  it('calls a probe shorter than the start-up too tight, with its numbers', async () => {
    const findings = await diagnose(
      cluster(startup, { initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 }),
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('liveness probe is too tight');
    expect(said(findings)).toContain('about 40 s');
    expect(said(findings)).toContain('still starting after 56 s');
    expect(said(findings)).not.toMatch(/readiness probe fails/i);
    expect(findings.suggestedFix).toContain('startupProbe');
  });

  it('names the liveness probe but not a slow start when the container had started', async () => {
    const findings = await diagnose(
      cluster(`${startup}\n2026-12-01T11:59:10Z INFO listening on :8080`, { periodSeconds: 10 }),
    );
    expect(said(findings)).toContain('liveness probe of maps fails');
    expect(said(findings)).not.toContain('too tight');
  });
});
