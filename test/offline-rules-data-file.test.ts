import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: when the error names a path inside the container and several repository files share
 * its base name, the one that fails to parse at HEAD (and that a recent commit changed) is the
 * file behind it, and that commit is named.
 */
const sha = (c: string) => c.repeat(40);
const pod = 'rates-7d9f8b6c4-x2k9p';

function cluster(prodValid: boolean, stagingDate = '2026-12-01T11:00:00Z'): FakeCluster {
  const good = 'currency: EUR\nrates:\n  usd: 1.08\n  gbp: 0.86\n';
  const bad = 'currency: EUR\nrates:\n  usd: 1.08\n gbp: 0.86\n';
  return {
    workloads: {
      rates: {
        workload: { kind: 'Deployment', name: 'rates' },
        pods: [
          {
            name: pod,
            ready: '0/1',
            restarts: 5,
            labels: { app: 'rates' },
            containers: [
              running('rates', {
                ready: false,
                state: 'waiting',
                reason: 'CrashLoopBackOff',
                restartCount: 5,
                lastTermination: { reason: 'Error', exitCode: 1 },
              }),
            ],
          },
        ],
      },
    },
    logs: {
      [pod]: '',
      [`${pod}.previous`]:
        'INFO loading /etc/rates/rates.yaml\nERROR failed to load config: yaml: line 4: did not find expected key\n',
    },
    repo: {
      'config/staging/rates.yaml': good,
      'config/prod/rates.yaml': prodValid ? good : bad,
    },
    commits: [
      {
        sha: sha('1'),
        message: 'staging: tweak usd',
        date: stagingDate,
        files: [{ path: 'config/staging/rates.yaml', patch: '@@ -3 +3 @@\n-  usd: 1.07\n+  usd: 1.08' }],
      },
      {
        sha: sha('2'),
        message: 'prod: add gbp',
        date: '2026-12-01T10:00:00Z',
        files: [{ path: 'config/prod/rates.yaml', patch: '@@ -3,0 +4 @@\n+ gbp: 0.86' }],
      },
    ],
  };
}

describe('a data file that no longer parses, among files of the same name', () => {
  it('picks the candidate that fails to parse at HEAD and names its commit', async () => {
    const ctx = engineContext(fakeTools(cluster(false)), { service: 'rates' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('config/prod/rates.yaml');
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('config/prod/rates.yaml');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(sha('2'));
  });

  it('falls back to the recently changed one when every candidate parses', async () => {
    const ctx = engineContext(fakeTools(cluster(true, '2026-10-01T11:00:00Z')), { service: 'rates' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(said(f)).toContain('config/prod/rates.yaml');
    expect(said(f)).not.toContain('config/staging/rates.yaml');
  });
});
