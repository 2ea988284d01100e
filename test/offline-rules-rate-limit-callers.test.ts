import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { runsPerDay } from '../src/llm/offline/rules/rate-limit-change.js';
import { parseLogLine } from '../src/util/log-lines.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: 429 answers from an API are a fault even when every pod is ready and the client logs
 * them as warnings (a job queue retries them). When a recent commit multiplied the callers
 * (worker concurrency, replicas, a busier schedule), that commit and its files are the cause; the
 * API is named by the URL the pod is configured with when the log names it only by a word.
 */
const pod = 'feeds-worker-6c7d8e9f0-h4j5k';

/** Sidekiq's formatter: context pairs, then the level. */
function sidekiqLog(times: number): string {
  const lines: string[] = [];
  for (let i = 0; i < times; i++) {
    const at = `2026-12-01T11:${String(10 + i).padStart(2, '0')}:00.000Z pid=1 tid=t${i} class=PartnerPushJob jid=${String(i).padStart(24, 'a')}`;
    lines.push(`${at} INFO: start`);
    lines.push(`${at} WARN: [Partnerly] PUT /v2/items/${1000 + i} -> 429 Too Many Requests (retry-after=30)`);
    lines.push(`${at} elapsed=0.2 INFO: fail`);
  }
  return `${lines.join('\n')}\n`;
}

const RAISED = {
  sha: 'aaa1111000000000000000000000000000000000',
  message: 'workers: more threads and replicas for the backlog',
  date: '2026-12-01T09:00:00Z',
  files: [
    {
      path: 'config/sidekiq.yml',
      patch: '@@ -1,3 +1,3 @@\n ---\n-:concurrency: 5\n+:concurrency: 25\n :timeout: 25',
    },
    {
      path: 'deploy/worker.yaml',
      patch: '@@ -6,3 +6,3 @@\n spec:\n-  replicas: 2\n+  replicas: 4\n   selector:',
    },
  ],
};
const LOWERED = {
  sha: 'bbb2222000000000000000000000000000000000',
  message: 'workers: fewer replicas at night',
  date: '2026-12-01T08:00:00Z',
  files: [
    {
      path: 'deploy/worker.yaml',
      patch: '@@ -6,3 +6,3 @@\n spec:\n-  replicas: 4\n+  replicas: 2\n   selector:',
    },
  ],
};
const BUSIER_SCHEDULE = {
  sha: 'ccc3333000000000000000000000000000000000',
  message: 'sync: run every minute',
  date: '2026-12-01T09:30:00Z',
  files: [
    {
      path: 'deploy/sync-cronjob.yaml',
      patch:
        '@@ -5,3 +5,3 @@\n spec:\n-  schedule: "*/15 * * * *"\n+  schedule: "* * * * *"\n   jobTemplate:',
    },
  ],
};

function cluster(commits: FakeCluster['commits']): FakeCluster {
  return {
    workloads: {
      feeds: {
        workload: { kind: 'Deployment', name: 'feeds-worker' },
        pods: [{ name: pod, containers: [running('worker')] }],
      },
    },
    events: [],
    logs: { [pod]: sidekiqLog(5) },
    objects: [
      {
        kind: 'Pod',
        metadata: { name: pod, namespace: 'shop' },
        spec: {
          containers: [
            {
              name: 'worker',
              envFrom: [{ configMapRef: { name: 'feeds-config' } }],
              env: [{ name: 'IMAGES_CDN', value: 'https://cdn.images.example.net/' }],
            },
          ],
        },
      },
      {
        kind: 'ConfigMap',
        metadata: { name: 'feeds-config', namespace: 'shop' },
        data: { PARTNERLY_API_BASE: 'https://api.partnerly.example.com/v2', LOG_LEVEL: 'info' },
      },
    ],
    commits,
  };
}

async function diagnose(c: FakeCluster) {
  const ctx = engineContext(fakeTools(c), { service: 'feeds', now: '2026-12-01T12:00:00Z' });
  const findings = await new OfflineEngine().diagnose(ctx);
  return { findings, casebook: ctx.casebook };
}

describe('429 answers after a change multiplied the callers', () => {
  it('reads the level Sidekiq prints after its context pairs', () => {
    const line = parseLogLine(
      '2026-12-01T11:10:00.000Z pid=1 tid=x1 class=PushJob jid=ab12 WARN: 429 Too Many Requests',
    );
    expect(line.level).toBe('warn');
    expect(line.text).toBe('429 Too Many Requests');
    expect(parseLogLine('ts=2026-12-01T11:10:00Z msg="WARN: nothing"').level).toBeUndefined();
  });

  it('are never healthy: name the API from the pod configuration, and the commit and files that raised concurrency and replicas', async () => {
    const { findings, casebook } = await diagnose(cluster([RAISED, LOWERED]));
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toContain('rate limited by the API at api.partnerly.example.com');
    expect(text).toContain(':concurrency: 25');
    expect(text).toContain('replicas: 4');
    expect(casebook.suspectCommits.map((c) => c.sha)).toEqual([RAISED.sha]);
    expect(casebook.suspectFiles.map((f) => f.path)).toEqual(
      expect.arrayContaining(['config/sidekiq.yml', 'deploy/worker.yaml']),
    );
    expect(findings.suggestedFix).toContain('revert aaa1111');
  });

  it('does not blame a commit that lowered the replicas', async () => {
    const { findings, casebook } = await diagnose(cluster([LOWERED]));
    expect(said(findings)).toContain('429');
    expect(casebook.suspectCommits.map((c) => c.sha)).not.toContain(LOWERED.sha);
  });

  it('blames a schedule that now runs more often', async () => {
    expect(runsPerDay('*/15 * * * *')).toBe(96);
    expect(runsPerDay('0 */6 * * *')).toBe(4);
    const { casebook } = await diagnose(cluster([BUSIER_SCHEDULE]));
    expect(casebook.suspectCommits.map((c) => c.sha)).toEqual([BUSIER_SCHEDULE.sha]);
    expect(casebook.suspectFiles[0]?.path).toBe('deploy/sync-cronjob.yaml');
  });
});
