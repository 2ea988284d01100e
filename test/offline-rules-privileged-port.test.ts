import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: "permission denied" binding a port below 1024 means the process is not root; the
 * change that made the image or pod non-root (a USER line, a :nonroot base, runAsNonRoot) is the
 * culprit, not the later commit that rolled the new image tag out.
 */
const POD = 'portal-6f8d7c9b5-x1y2z';

function cluster(logLine: string): FakeCluster {
  return {
    workloads: {
      portal: {
        workload: { kind: 'Deployment', name: 'portal' },
        pods: [
          {
            name: POD,
            restarts: 4,
            containers: [
              running('portal', {
                state: 'waiting',
                reason: 'CrashLoopBackOff',
                ready: false,
                restartCount: 4,
                lastTermination: { reason: 'Error', exitCode: 1, finishedAt: '2026-12-01T11:58:00Z' },
              }),
            ],
          },
        ],
      },
    },
    objects: [
      {
        kind: 'Pod',
        metadata: { name: POD, namespace: 'shop' },
        spec: { securityContext: { runAsNonRoot: true }, containers: [{ name: 'portal' }] },
      },
    ],
    logs: {
      [POD]: '',
      [`${POD}.previous`]: `server starting\n${logLine}\n`,
    },
    commits: [
      {
        sha: 'dep10y00dep10y00dep10y00dep10y00dep10y00',
        message: 'deploy: portal 3.1.0',
        date: '2026-12-01T11:00:00Z',
        files: [
          {
            path: 'deploy/portal.yaml',
            patch:
              '@@ -20,1 +20,1 @@\n-        image: registry.example/portal:3.0.9\n+        image: registry.example/portal:3.1.0\n',
          },
        ],
      },
      {
        sha: 'a5e7a5e7a5e7a5e7a5e7a5e7a5e7a5e7a5e7a5e7',
        message: 'docker: run as an unprivileged user',
        date: '2026-11-30T15:00:00Z',
        files: [
          {
            path: 'Dockerfile',
            patch:
              '@@ -5,3 +5,5 @@\n COPY server.js /app/\n+RUN adduser -D -u 10001 app\n+USER app\n EXPOSE 80\n CMD ["node", "/app/server.js"]\n',
          },
        ],
      },
    ],
  };
}

async function diagnose(c: FakeCluster) {
  const ctx = engineContext(fakeTools(c), { service: 'portal' });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

describe('a non-root process on a privileged port', () => {
  it('names the port, the non-root user and the Dockerfile commit, not the image bump', async () => {
    const { findings, ctx } = await diagnose(cluster('Error: listen EACCES: permission denied 0.0.0.0:80'));
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toMatch(/cannot bind port 80/);
    expect(text).toMatch(/non-root/);
    expect(text).toContain('runAsNonRoot: true');
    expect(ctx.casebook.suspectCommits[0]?.sha.slice(0, 7)).toBe('a5e7a5e');
    expect(ctx.casebook.suspectFiles.map((f) => f.path)).toContain('Dockerfile');
  });

  it('reads Go’s wording too, and leaves an unprivileged port alone', async () => {
    const go = await diagnose(cluster('2026/12/01 11:58:00 listen tcp :443: bind: permission denied'));
    expect(said(go.findings)).toMatch(/port 443/);
    const high = await diagnose(cluster('2026/12/01 11:58:00 listen tcp :8080: bind: permission denied'));
    expect(said(high.findings)).not.toMatch(/privileged port/);
  });
});
