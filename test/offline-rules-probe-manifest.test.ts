import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a probe whose path answers 404 after a commit is fixed in the manifest that defines
 * the probe or in the code the commit changed: both are suspect files, with the commit.
 */
const pod = 'api-7d9f8b6c4-x2k9p';
const cluster: FakeCluster = {
  workloads: {
    api: {
      workload: { kind: 'Deployment', name: 'api' },
      pods: [
        {
          name: pod,
          ready: '0/1',
          labels: { app: 'api' },
          ownerKind: 'ReplicaSet',
          ownerName: 'api-7d9f8b6c4',
          containers: [running('api', { ready: false })],
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
      message: 'Readiness probe failed: HTTP probe failed with statuscode: 404',
    },
  ],
  logs: { [pod]: 'INFO listening on :8080\nINFO GET /healthz 404\n' },
  objects: [
    {
      kind: 'Pod',
      metadata: { name: pod, namespace: 'shop' },
      spec: { containers: [{ name: 'api', readinessProbe: { httpGet: { path: '/healthz', port: 8080 } } }] },
    },
  ],
  repo: {
    'deploy/api.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          readinessProbe:\n            httpGet:\n              path: /healthz\n',
    'src/routes.js': "app.get('/health', ok);\n",
    'src/health.js': 'export function ok() {}\n',
  },
  commits: [
    {
      sha: 'a'.repeat(40),
      message: 'rename health endpoint',
      date: '2026-12-01T10:00:00Z',
      files: [
        { path: 'src/routes.js', patch: "@@ -1 +1 @@\n-app.get('/healthz', ok);\n+app.get('/health', ok);" },
        { path: 'src/health.js', patch: '@@ -1 +1 @@\n-function ok() {}\n+export function ok() {}' },
      ],
    },
  ],
};

describe('a probe broken by a change', () => {
  it('names the probe manifest and the code the commit changed', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'api' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(said(f)).toMatch(/readiness probe/i);
    const files = ctx.casebook.suspectFiles.map((s) => s.path);
    expect(files).toContain('deploy/api.yaml');
    expect(files).toContain('src/routes.js');
    expect(files).toContain('src/health.js');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('a'.repeat(40));
  });

  it('says a probe answered 401 now needs authentication, and to exempt its path', async () => {
    const unauthorised: FakeCluster = {
      ...cluster,
      events: [
        {
          type: 'Warning',
          reason: 'Unhealthy',
          object: `Pod/${pod}`,
          count: 40,
          message: 'Readiness probe failed: HTTP probe failed with statuscode: 401',
        },
      ],
      logs: { [pod]: 'INFO listening on :8080\nINFO GET /healthz 401\n' },
    };
    const ctx = engineContext(fakeTools(unauthorised), { service: 'api' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(said(f)).toContain('answers 401: it now requires authentication');
    expect(f.suggestedFix).toMatch(/without authentication/);
  });
});

/** Principle: an application bound to the loopback address refuses the kubelet's probe on the pod IP. */
describe('an application listening on the loopback address', () => {
  it('is named as why the probe is refused, with the fix to listen on all interfaces', async () => {
    const name = 'web-6b5c4d3e2-a1b2c';
    const ctx = engineContext(
      fakeTools({
        workloads: {
          web: {
            workload: { kind: 'Deployment', name: 'web' },
            pods: [
              {
                name,
                ready: '0/1',
                ownerKind: 'ReplicaSet',
                ownerName: 'web-6b5c4d3e2',
                labels: { 'pod-template-hash': '6b5c4d3e2' },
                containers: [running('web', { ready: false })],
              },
              {
                name: 'web-5a4b3c2d1-z9y8x',
                ownerKind: 'ReplicaSet',
                ownerName: 'web-5a4b3c2d1',
                labels: { 'pod-template-hash': '5a4b3c2d1' },
                containers: [running('web')],
              },
            ],
          },
        },
        events: [
          {
            type: 'Warning',
            reason: 'Unhealthy',
            object: `Pod/${name}`,
            count: 30,
            message:
              'Readiness probe failed: Get "http://10.1.2.3:3000/healthz": dial tcp 10.1.2.3:3000: connect: connection refused',
          },
        ],
        logs: { [name]: '{"level":30,"msg":"Server listening at http://127.0.0.1:3000"}\n' },
      }),
      { service: 'web' },
    );
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(said(findings)).toContain('listens on 127.0.0.1:3000, the loopback address');
    expect(findings.suggestedFix).toContain('0.0.0.0');
    // One pod of two is not ready: the Service still has a ready endpoint.
    expect(findings.summary).not.toContain('no ready endpoints');
  });
});
