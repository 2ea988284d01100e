import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: EROFS is the container's filesystem refusing a write: under readOnlyRootFilesystem
 * with no writable volume over that directory, or into a volume that is mounted read-only (a
 * ConfigMap or Secret always is). The fix is a writable volume there, not dropping the hardening,
 * and the commit that set the flag is the change behind it.
 */
const pod = 'reports-6d7e8f9a1-m3n5p';
const line = "OSError: [Errno 30] Read-only file system: '/var/cache/reports/q3.pdf'";

function cluster(volumeMounts: object[], volumes: object[]): FakeCluster {
  const container = {
    name: 'reports',
    image: 'registry.example/reports:2.0',
    securityContext: { readOnlyRootFilesystem: true, runAsNonRoot: true },
    volumeMounts,
  };
  return {
    workloads: {
      reports: {
        workload: { kind: 'Deployment', name: 'reports' },
        pods: [{ name: pod, containers: [running('reports')] }],
      },
    },
    logs: { [pod]: `${line}\n`.repeat(5) },
    objects: [
      { kind: 'Pod', metadata: { name: pod, namespace: 'shop' }, spec: { containers: [container], volumes } },
    ],
    commits: [
      {
        sha: 'a'.repeat(40),
        message: 'chart: drop root filesystem writes',
        date: '2026-11-30T10:00:00Z',
        files: [
          {
            path: 'chart/templates/deployment.yaml',
            patch:
              '@@ -40,2 +40,3 @@\n           securityContext:\n+            readOnlyRootFilesystem: true\n             runAsNonRoot: true',
          },
        ],
      },
    ],
  };
}

describe('writes refused by a read-only file system', () => {
  it('names readOnlyRootFilesystem, the unmounted directory and the commit that set the flag', async () => {
    const ctx = engineContext(
      fakeTools(cluster([{ name: 'tmp', mountPath: '/tmp' }], [{ name: 'tmp', emptyDir: {} }])),
      { service: 'reports' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('readOnlyRootFilesystem: true');
    expect(said(f)).toContain('/var/cache/reports is not under any mounted volume');
    expect(f.suggestedFix).toContain('emptyDir at /var/cache/reports');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('a'.repeat(40));
  });

  it('says a ConfigMap volume is read-only when the write goes into it', async () => {
    const ctx = engineContext(
      fakeTools(
        cluster(
          [{ name: 'cache', mountPath: '/var/cache/reports' }],
          [{ name: 'cache', configMap: { name: 'report-templates' } }],
        ),
      ),
      { service: 'reports' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(said(f)).toContain('mounted read-only at /var/cache/reports');
    expect(said(f)).toContain('configMap');
  });
});
