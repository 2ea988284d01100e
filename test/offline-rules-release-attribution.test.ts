import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a release bump or a restart is when a fault showed, not what caused it; the commit
 * whose lines hold what the Kubernetes cause names (authentication on a probe's path) is the suspect.
 */
async function diagnose(cluster: FakeCluster, service: string) {
  const ctx = engineContext(fakeTools(cluster), { service });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

describe('attribution past a release or restart commit', () => {
  it('a readiness probe answered 401: the commit that put authentication on its path, not the newer release bump', async () => {
    const pod = 'reports-6c8d9f7b45-q2w8e';
    const { findings, ctx } = await diagnose(
      {
        workloads: {
          reports: {
            workload: { kind: 'Deployment', name: 'reports' },
            pods: [
              {
                name: pod,
                ready: '0/1',
                ownerKind: 'ReplicaSet',
                ownerName: 'reports-6c8d9f7b45',
                labels: { 'pod-template-hash': '6c8d9f7b45' },
                containers: [running('reports', { ready: false })],
              },
            ],
          },
        },
        events: [
          {
            type: 'Warning',
            reason: 'Unhealthy',
            object: `Pod/${pod}`,
            count: 40,
            message: 'Readiness probe failed: HTTP probe failed with statuscode: 401',
          },
        ],
        objects: [
          {
            kind: 'Pod',
            metadata: { name: pod, namespace: 'shop' },
            spec: {
              containers: [
                { name: 'reports', readinessProbe: { httpGet: { path: '/v1/healthz', port: 8000 } } },
              ],
            },
          },
        ],
        commits: [
          {
            sha: 'release0000000001',
            message: 'release 4.2.0',
            date: '2026-12-01T11:00:00Z',
            files: [{ path: 'VERSION' }],
          },
          {
            sha: 'a11ce00000000002',
            message: 'Protect the v1 API',
            date: '2026-11-30T16:00:00Z',
            files: [
              {
                path: 'app/main.py',
                patch:
                  '@@ -12,3 +12,3 @@\n app = FastAPI()\n-app.include_router(v1, prefix="/v1")\n+app.include_router(v1, prefix="/v1", dependencies=[Depends(verify_jwt)])',
              },
            ],
          },
          {
            sha: 'c4a7700000000003',
            message: 'Chart colours',
            date: '2026-11-29T10:00:00Z',
            files: [
              { path: 'web/colours.ts', patch: '@@ -1 +1 @@\n-export const a = 1;\n+export const a = 2;' },
            ],
          },
        ],
      },
      'reports',
    );
    expect(said(findings)).toContain('401');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('a11ce00000000002');
    expect(said(findings)).toContain('verify_jwt');
  });
});
