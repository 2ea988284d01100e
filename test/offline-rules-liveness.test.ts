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

/**
 * Principle: a liveness probe that checks a dependency restarts every pod when that dependency
 * blips; the probe, not the blip, is what to fix.
 */
describe('a liveness probe that checks a dependency', () => {
  const pods = ['a1', 'b2', 'c3'].map((suffix) => ({
    name: `shop-7c8d9e6f5-${suffix}`,
    restarts: 1,
    containers: [
      running('web', {
        restartCount: 1,
        startedAt: '2026-12-01T11:03:00Z',
        lastTermination: { reason: 'Error', exitCode: 143, finishedAt: '2026-12-01T11:02:50Z' },
      }),
    ],
  }));
  const failing =
    '2026-12-01T11:02:10Z ERROR health check failed: database: connection to server at "10.9.0.4", port 5432 failed: Connection refused';
  const cluster: FakeCluster = {
    workloads: { shop: { workload: { kind: 'Deployment', name: 'shop' }, pods } },
    events: pods.flatMap((p) => [
      {
        type: 'Warning',
        reason: 'Unhealthy',
        object: `Pod/${p.name}`,
        count: 3,
        lastTimestamp: '2026-12-01T11:02:40Z',
        message: 'Liveness probe failed: HTTP probe failed with statuscode: 503',
      },
      {
        type: 'Normal',
        reason: 'Killing',
        object: `Pod/${p.name}`,
        count: 1,
        lastTimestamp: '2026-12-01T11:02:45Z',
        message: 'Container web failed liveness probe, will be restarted',
      },
    ]),
    logs: Object.fromEntries(
      pods.flatMap((p) => [
        [p.name, '2026-12-01T11:50:00Z INFO GET / 200\n'.repeat(4)],
        [`${p.name}.previous`, `${failing}\n`.repeat(3)],
      ]),
    ),
    objects: pods.map((p) => ({
      kind: 'Pod',
      metadata: { name: p.name, namespace: 'shop' },
      spec: { containers: [{ name: 'web', livenessProbe: { httpGet: { path: '/healthz', port: 3000 } } }] },
    })),
    commits: [
      {
        sha: 'feed1234feed1234feed1234feed1234feed1234',
        message: 'deeper health checks',
        date: '2026-11-30T10:00:00Z',
        files: [
          {
            path: 'deploy/shop.yaml',
            patch:
              '@@ -30,2 +30,2 @@\n           livenessProbe:\n-            httpGet: {path: /up, port: 3000}\n+            httpGet: {path: /healthz, port: 3000}',
          },
        ],
      },
    ],
  };

  it('names the probe as the cause of the fleet restart, not the database blip, and the commit that pointed it there', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'shop' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/liveness probe \(\/healthz\) checks a dependency/);
    expect(said(findings)).toContain('3 pods at once');
    expect(findings.suggestedFix).toContain('readiness');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('feed1234feed1234feed1234feed1234feed1234');
  });
});
