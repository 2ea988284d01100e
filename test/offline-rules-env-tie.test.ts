import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a crash on a value is tied to the env entry of the pod spec that holds it (the error
 * quotes its value or says its name), and the commit that wrote that value is the suspect.
 */
const pod = 'worker-7d9f8b6c4-x2k9p';
function cluster(log: string, env: { name: string; value: string }[]): FakeCluster {
  return {
    workloads: {
      worker: {
        workload: { kind: 'Deployment', name: 'worker' },
        pods: [
          {
            name: pod,
            ready: '0/1',
            restarts: 7,
            labels: { app: 'worker' },
            containers: [
              running('worker', {
                ready: false,
                state: 'waiting',
                reason: 'CrashLoopBackOff',
                restartCount: 7,
                lastTermination: { reason: 'Error', exitCode: 1 },
              }),
            ],
          },
        ],
      },
    },
    logs: { [pod]: '', [`${pod}.previous`]: log },
    objects: [
      {
        kind: 'Pod',
        metadata: { name: pod, namespace: 'shop' },
        spec: { containers: [{ name: 'worker', env }] },
      },
    ],
    commits: [
      {
        sha: 'b'.repeat(40),
        message: 'unrelated',
        date: '2026-12-01T11:00:00Z',
        files: [{ path: 'README.md', patch: '@@ -1 +1 @@\n-x\n+y' }],
      },
      {
        sha: 'a'.repeat(40),
        message: 'more workers',
        date: '2026-12-01T10:00:00Z',
        files: [
          {
            path: 'k8s/worker.yaml',
            patch:
              '@@ -20,2 +20,2 @@\n         - name: WORKERS\n-          value: "4"\n+          value: "four"',
          },
        ],
      },
    ],
  };
}

const traceback = [
  'Traceback (most recent call last):',
  '  File "/app/worker.py", line 3, in <module>',
  "    workers = int(os.environ['WORKERS'])",
  "ValueError: invalid literal for int() with base 10: 'four'",
].join('\n');

describe('a crash tied to the env entry that holds the value', () => {
  it('names the env entry whose value the error quotes, and the commit that wrote it', async () => {
    const ctx = engineContext(
      fakeTools(
        cluster(traceback, [
          { name: 'LOG_LEVEL', value: 'info' },
          { name: 'WORKERS', value: 'four' },
        ]),
      ),
      { service: 'worker' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('env WORKERS="four"');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('a'.repeat(40));
  });

  it('ties nothing when no env entry appears in the error', async () => {
    const ctx = engineContext(fakeTools(cluster(traceback, [{ name: 'LOG_LEVEL', value: 'info' }])), {
      service: 'worker',
    });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(said(f)).not.toContain('The value comes from env');
  });
});
