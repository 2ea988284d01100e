import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: calls answered HTTP 429 Too Many Requests mean the service is being rate limited by
 * the API it calls; the cause to look for is a change, before the first 429, that removed or
 * loosened the client's own pacing (a limiter, a concurrency cap, retries with backoff).
 */
const pod = 'quotes-6b7c8d9f5-k2m4p';

function log(times: number): string {
  const lines: string[] = [
    '2026-12-01T10:00:00Z INFO starting pricing_api=https://api.fxrates.example.com/v3',
  ];
  for (let i = 0; i < times; i++) {
    const at = `2026-12-01T11:${String(10 + i).padStart(2, '0')}:00Z`;
    lines.push(
      `${at} WARN GET https://api.fxrates.example.com/v3/rates?pair=EURUSD answered 429 Too Many Requests (Retry-After: 2)`,
    );
    lines.push(`${at} ERROR quote ${1000 + i} failed: upstream status 429 after 3 attempts`);
  }
  return `${lines.join('\n')}\n`;
}

const LOOSENED = {
  sha: 'bbb2222000000000000000000000000000000000',
  message: 'quotes: faster refresh',
  date: '2026-11-30T15:00:00Z',
  files: [
    {
      path: 'deploy/quotes/configmap.yaml',
      patch: '@@ -4,3 +4,3 @@\n   LOG_LEVEL: info\n-  FX_MAX_CONCURRENCY: "4"\n+  FX_MAX_CONCURRENCY: "64"',
    },
  ],
};
const UNRELATED = {
  sha: 'ccc3333000000000000000000000000000000000',
  message: 'docs: readme',
  date: '2026-12-01T09:00:00Z',
  files: [{ path: 'README.md', patch: '@@ -1 +1 @@\n-# quotes\n+# quotes service' }],
};
const AFTER_ONSET = {
  sha: 'ddd4444000000000000000000000000000000000',
  message: 'quotes: drop the retry limiter while we investigate',
  date: '2026-12-01T11:50:00Z',
  files: [
    {
      path: 'src/fx/client.py',
      patch: '@@ -10,2 +10,1 @@\n-    limiter = AsyncLimiter(5, 1)\n     async def fetch',
    },
  ],
};

function cluster(text: string, commits: FakeCluster['commits'] = [], crash = false): FakeCluster {
  return {
    workloads: {
      quotes: {
        workload: { kind: 'Deployment', name: 'quotes' },
        pods: [
          {
            name: pod,
            ready: crash ? '0/1' : '1/1',
            restarts: crash ? 4 : 0,
            containers: [
              crash
                ? running('quotes', {
                    ready: false,
                    state: 'waiting',
                    reason: 'CrashLoopBackOff',
                    restartCount: 4,
                    lastTermination: { reason: 'Error', exitCode: 1 },
                  })
                : running('quotes'),
            ],
          },
        ],
      },
    },
    events: [],
    logs: crash ? { [pod]: text, [`${pod}.previous`]: text } : { [pod]: text },
    commits,
  };
}

async function diagnose(c: FakeCluster) {
  const ctx = engineContext(fakeTools(c), { service: 'quotes', now: '2026-12-01T12:00:00Z' });
  const findings = await new OfflineEngine().diagnose(ctx);
  return { findings, casebook: ctx.casebook };
}

describe('an API that answers 429 Too Many Requests', () => {
  it('says the service is rate limited by that host and quotes the change that loosened its concurrency', async () => {
    const { findings, casebook } = await diagnose(cluster(log(6), [AFTER_ONSET, UNRELATED, LOOSENED]));
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toContain('rate limited by the API at api.fxrates.example.com');
    expect(text).toContain('6 answers of HTTP 429');
    expect(text).toContain('FX_MAX_CONCURRENCY: "64"');
    expect(text).toContain('FX_MAX_CONCURRENCY: "4"');
    expect(casebook.suspectCommits.map((c) => c.sha)).toEqual([LOOSENED.sha]);
    expect(casebook.suspectFiles[0]?.path).toBe('deploy/quotes/configmap.yaml');
    expect(findings.suggestedFix).toMatch(/Retry-After/);
  });

  it('names the rate limiting without blaming a commit when none before the first 429 loosened the pacing', async () => {
    const { findings, casebook } = await diagnose(cluster(log(4), [AFTER_ONSET, UNRELATED]));
    expect(said(findings)).toContain('HTTP 429 Too Many Requests');
    const blamed = casebook.suspectCommits.map((c) => c.sha);
    expect(blamed).not.toContain(UNRELATED.sha);
    expect(blamed).not.toContain(AFTER_ONSET.sha);
  });

  it('leaves a crash to the crash rules when a 429 is only a stray warning beside it', async () => {
    const text = [
      '2026-12-01T11:00:00Z WARN GET https://api.fxrates.example.com/v3/rates answered 429 Too Many Requests',
      '2026-12-01T11:00:01Z ERROR could not load settings: KeyError FX_REGION',
      '2026-12-01T11:00:02Z ERROR could not load settings: KeyError FX_REGION',
      '2026-12-01T11:00:03Z ERROR could not load settings: KeyError FX_REGION',
      '2026-12-01T11:00:04Z ERROR could not load settings: KeyError FX_REGION',
    ].join('\n');
    const { findings } = await diagnose(cluster(text, [], true));
    expect(said(findings)).not.toContain('rate limited');
  });
});
