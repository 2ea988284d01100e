import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a probe refused on one port while the server's own start-up line says it listens on
 * another is a port mismatch (a runtime's new default port, a moved setting), even when the kubelet
 * kills the container for it: the ports are named, not "the liveness endpoint stops answering".
 */
describe('a probe refused on a port the server does not listen on', () => {
  const pod = 'quotes-7b8c9d6e5-h4j6k';
  const refused =
    'Liveness probe failed: Get "http://10.1.2.3:8080/health": dial tcp 10.1.2.3:8080: connect: connection refused';
  const log = '{"level":30,"time":1764590400000,"msg":"Server listening at http://0.0.0.0:3000"}\n';

  const cluster = (commits: FakeCluster['commits'] = []): FakeCluster => ({
    workloads: {
      quotes: {
        workload: { kind: 'Deployment', name: 'quotes' },
        pods: [
          {
            name: pod,
            ready: '0/1',
            restarts: 4,
            containers: [
              running('quotes', {
                ready: false,
                restartCount: 4,
                lastTermination: { reason: 'Error', exitCode: 143 },
              }),
            ],
          },
        ],
      },
    },
    events: [
      {
        type: 'Normal',
        reason: 'Killing',
        object: `Pod/${pod}`,
        count: 4,
        message: 'Container quotes failed liveness probe, will be restarted',
      },
      { type: 'Warning', reason: 'Unhealthy', object: `Pod/${pod}`, count: 12, message: refused },
    ],
    logs: { [pod]: log, [`${pod}.previous`]: log },
    commits,
  });

  it('names both ports, not a slow or hung liveness endpoint', async () => {
    const ctx = engineContext(fakeTools(cluster()), { service: 'quotes' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('listens on port 3000 but the probe checks port 8080');
    expect(f.suggestedFix).toMatch(/agree on the port/);
  });

  const docs = {
    sha: 'd'.repeat(40),
    message: 'docs',
    date: '2026-11-30T12:00:00Z',
    files: [{ path: 'README.md', patch: '@@ -1 +1 @@\n-a\n+b' }],
  };

  it('names the commit that set the port the server now listens on', async () => {
    const setPort = {
      sha: 'a'.repeat(40),
      message: 'container: configurable port',
      date: '2026-11-29T12:00:00Z',
      files: [{ path: 'Dockerfile', patch: '@@ -5,1 +5,2 @@\n CMD ["node", "server.js"]\n+ENV PORT=3000' }],
    };
    const ctx = engineContext(fakeTools(cluster([docs, setPort])), { service: 'quotes' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('a'.repeat(40));
    expect(said(f)).toContain('set port 3000 in Dockerfile');
  });

  it('else names the base-image change, whose runtime may listen on a new default port', async () => {
    const base = {
      sha: 'b'.repeat(40),
      message: 'runtime: node 22',
      date: '2026-11-29T12:00:00Z',
      files: [{ path: 'build/api.Dockerfile', patch: '@@ -1 +1 @@\n-FROM node:18-slim\n+FROM node:22-slim' }],
    };
    const ctx = engineContext(fakeTools(cluster([docs, base])), { service: 'quotes' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('b'.repeat(40));
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('build/api.Dockerfile');
    expect(said(f)).toContain('changed the base image');
  });
});
