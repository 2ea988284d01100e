import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a container killed for memory was running the code that printed its last line; the
 * recent commit whose added lines hold that line's words is the suspect.
 */
describe('an OOM kill with an unchanged limit', () => {
  const pod = 'features-7b6c5d4e3-m2n3b';
  const cluster: FakeCluster = {
    workloads: {
      features: {
        workload: { kind: 'Deployment', name: 'features' },
        pods: [
          {
            name: pod,
            ready: '0/1',
            restarts: 3,
            containers: [
              {
                name: 'features',
                ready: false,
                state: 'waiting',
                reason: 'CrashLoopBackOff',
                restartCount: 3,
                lastTermination: { reason: 'OOMKilled', exitCode: 137 },
                resources: { limits: { memory: '2Gi' }, requests: { memory: '2Gi' } },
              },
            ],
          },
        ],
      },
    },
    logs: {
      [`${pod}.previous`]:
        '2026-12-01 11:50:00,100 INFO features.load: reading 40 files\n2026-12-01 11:50:02,200 INFO features.load: loading the whole day into one frame (rows=~90M)\n',
    },
    commits: [
      {
        sha: 'aaaa000000000000000000000000000000000001',
        message: 'docs',
        date: '2026-12-01T09:00:00Z',
        files: [{ path: 'README.md', patch: '@@ -1 +1 @@\n-old\n+new' }],
      },
      {
        sha: 'aaaa000000000000000000000000000000000002',
        message: 'features: one frame per day',
        date: '2026-11-30T15:00:00Z',
        files: [
          {
            path: 'features/load.py',
            patch:
              '@@ -10,4 +10,3 @@\n-    for batch in dataset.to_batches():\n-        yield batch.to_pandas()\n+    log.info("loading the whole day into one frame (rows=~%dM)", n)\n+    return dataset.to_table().to_pandas()',
          },
        ],
      },
    ],
  };

  it('names the commit that wrote the code running at the kill, from the last logged line', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'features' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(said(findings)).toContain('OOMKilled');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('aaaa000000000000000000000000000000000002');
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('features/load.py');
  });
});
