import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a pool that times out on checkout while each process runs more request threads than
 * it has connections is a sizing mismatch, not a leak and not a database fault; the change that
 * raised the threads (or cut the pool) past the other is the culprit, whatever the stack calls them.
 */
const SHA = 'c0ffee0011223344556677889900aabbccddeeff';

function hikariLog(): string {
  const line =
    '2026-12-01T11:40:02.118Z ERROR 1 --- [nio-8080-exec-37] o.h.engine.jdbc.spi.SqlExceptionHelper   : HikariPool-1 - Connection is not available, request timed out after 30000ms (total=10, active=10, idle=0, waiting=47)';
  return [
    '2026-12-01T11:30:00.001Z  INFO 1 --- [           main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port 8080 (http)',
    ...Array.from({ length: 4 }, () => line),
  ].join('\n');
}

function springCluster(patch: string, message = 'web: more request threads for the sale'): FakeCluster {
  const pod = 'ledger-query-6d8f7b9c5-x7k2p';
  return {
    workloads: {
      'ledger-query': {
        workload: { kind: 'Deployment', name: 'ledger-query' },
        pods: [{ name: pod, startTime: '2026-12-01T11:29:00Z', containers: [running('ledger-query')] }],
      },
    },
    logs: { [pod]: `${hikariLog()}\n` },
    objects: [
      {
        kind: 'Pod',
        metadata: { name: pod, namespace: 'shop' },
        spec: {
          containers: [{ name: 'ledger-query', env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx1g' }] }],
        },
      },
    ],
    commits: [
      {
        sha: SHA,
        message,
        author: 'Rui',
        date: '2026-12-01T10:05:00Z',
        files: [{ path: 'src/main/resources/application-prod.yml', patch }],
      },
    ],
  };
}

const THREADS_RAISED = [
  '@@ -4,9 +4,9 @@ spring:',
  '   datasource:',
  '     hikari:',
  '       maximum-pool-size: 10',
  ' server:',
  '   tomcat:',
  '     threads:',
  '-      max: 8',
  '+      max: 64',
].join('\n');

const UNRELATED = ['@@ -20,3 +20,3 @@ logging:', '   level:', '-    root: INFO', '+    root: WARN'].join(
  '\n',
);

async function diagnose(c: FakeCluster, service: string) {
  const ctx = engineContext(fakeTools(c), { service });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

describe('a connection pool smaller than the threads that share it', () => {
  it('names the thread bump that outgrew a HikariCP pool, with both sizes', async () => {
    const { findings, ctx } = await diagnose(springCluster(THREADS_RAISED), 'ledger-query');
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toMatch(/64 threads but its connection pool holds 10/);
    expect(text).toMatch(/server\.tomcat\.threads\.max 8 → 64/);
    expect(text).not.toMatch(/never returned, a connection leak/);
    expect(ctx.casebook.evidence[0]?.detail).toMatch(/Connection is not available/);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(SHA);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('src/main/resources/application-prod.yml');
    expect(findings.suggestedFix).toMatch(/set server\.tomcat\.threads\.max back to 8/);
  });

  it('reads the sizes from the pod env and the start-up log when no commit changed them', async () => {
    const pod = 'quotes-5c7d9f8b6-q2w3e';
    const timeout =
      'E, [2026-12-01T11:50:10.100200 #1] ERROR -- : ActiveRecord::ConnectionTimeoutError (could not obtain a connection from the pool within 5.000 seconds (waited 5.002 seconds); all pooled connections were in use):';
    const c: FakeCluster = {
      workloads: {
        quotes: {
          workload: { kind: 'Deployment', name: 'quotes' },
          pods: [{ name: pod, containers: [running('quotes')] }],
        },
      },
      logs: { [pod]: `* Max threads: 12\n${timeout}\n${timeout}\n${timeout}\n` },
      objects: [
        {
          kind: 'Pod',
          metadata: { name: pod, namespace: 'shop' },
          spec: { containers: [{ name: 'quotes', env: [{ name: 'DB_POOL', value: '4' }] }] },
        },
      ],
    };
    const { findings } = await diagnose(c, 'quotes');
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/12 threads but its connection pool holds 4 \(DB_POOL=4\)/);
  });

  it('names a Sidekiq concurrency raise when the job workers time out on the pool', async () => {
    const pod = 'mailer-jobs-7f6d5c4b3-m9n8b';
    const line =
      '2026-12-01T11:45:00.000Z pid=1 tid=2xk WARN: ActiveRecord::ConnectionTimeoutError: could not obtain a connection from the pool within 5.000 seconds (waited 5.001 seconds); all pooled connections were in use';
    const c: FakeCluster = {
      workloads: {
        'mailer-jobs': {
          workload: { kind: 'Deployment', name: 'mailer-jobs' },
          pods: [{ name: pod, containers: [running('mailer-jobs')] }],
        },
      },
      logs: { [pod]: `${line}\n${line}\n${line}\n` },
      commits: [
        {
          sha: SHA,
          message: 'jobs: drain the queue faster',
          date: '2026-12-01T09:00:00Z',
          files: [
            {
              path: 'config/sidekiq.yml',
              patch: '@@ -1,3 +1,3 @@\n-:concurrency: 5\n+:concurrency: 25\n :queues:',
            },
          ],
        },
      ],
    };
    const { findings, ctx } = await diagnose(c, 'mailer-jobs');
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/each process runs 25 threads/);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('config/sidekiq.yml');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(SHA);
  });

  it('leaves the pool to the leak reading when a recent change stopped closing sessions', async () => {
    const pod = 'parcels-5c7d9f8b6-z8x7c';
    const trace = [
      'Traceback (most recent call last):',
      '  File "/srv/parcels/store.py", line 18, in lookup',
      '    return db.execute(Q).all()',
      'sqlalchemy.exc.TimeoutError: QueuePool limit of size 4 overflow 0 reached, connection timed out, timeout 30.00',
    ].join('\n');
    const c: FakeCluster = {
      workloads: {
        parcels: {
          workload: { kind: 'Deployment', name: 'parcels' },
          pods: [{ name: pod, containers: [running('parcels')] }],
        },
      },
      logs: { [pod]: `${trace}\n${trace}\n${trace}\n` },
      objects: [
        {
          kind: 'Pod',
          metadata: { name: pod, namespace: 'shop' },
          spec: { containers: [{ name: 'parcels', env: [{ name: 'GUNICORN_THREADS', value: '8' }] }] },
        },
      ],
      commits: [
        {
          sha: SHA,
          message: 'store: reuse the session',
          date: '2026-12-01T09:00:00Z',
          files: [
            {
              path: 'parcels/store.py',
              patch:
                '@@ -16,3 +16,3 @@\n def lookup():\n-    with Session() as db:\n+    db = Session()\n     return db.execute(Q).all()',
            },
          ],
        },
      ],
    };
    const { findings } = await diagnose(c, 'parcels');
    expect(said(findings)).not.toMatch(/too small for its threads/);
    expect(said(findings)).toMatch(/connection pool \(size 4, overflow 0\) is exhausted/);
  });

  it('leaves an exhausted pool to the leak reading when no change or size shows a mismatch', async () => {
    const { findings, ctx } = await diagnose(springCluster(UNRELATED, 'logging: quieter'), 'ledger-query');
    expect(said(findings)).not.toMatch(/smaller than its threads|too small for its threads/);
    expect(ctx.casebook.suspectCommits.map((x) => x.sha)).not.toContain(SHA);
  });
});
