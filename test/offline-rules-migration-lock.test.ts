import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a migration that holds a table lock for its whole run (an index built without
 * CONCURRENTLY, a column type change) blocks the application's statements on that table while it
 * runs: they time out waiting for the lock, in pods that are Running and Ready. The running
 * migration Job, its file, the blocking statement and the commit that added it are the cause.
 */
const APP_POD = 'orders-6cb8f7d94d-b7wtr';
const JOB = 'orders-migrate-2-31-0';
const JOB_POD = `${JOB}-wd6kp`;
const SHA = '5d8e3b17c0a94f62e1b7d3c08a5f9e24d6c1b7a3';

interface Options {
  appError: string;
  jobLog: string;
  job?: { active: number; startTime: string; image?: string };
  file: string;
  sql: string;
}

function cluster(o: Options): FakeCluster {
  const job = o.job ?? { active: 1, startTime: '2026-12-01T11:34:00Z' };
  return {
    workloads: {
      orders: {
        workload: { kind: 'Deployment', name: 'orders' },
        pods: [{ name: APP_POD, containers: [running('orders')] }],
      },
      [JOB]: {
        workload: { kind: 'Job', name: JOB },
        pods: [{ name: JOB_POD, ownerKind: 'Job', ownerName: JOB, containers: [running('migrate')] }],
      },
    },
    objects: [
      {
        kind: 'Job',
        metadata: { name: JOB, namespace: 'shop' },
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'migrate',
                  image: job.image ?? 'registry.example/orders-migrations:2.31.0',
                  command: ['migrate'],
                },
              ],
            },
          },
        },
        status: { active: job.active, startTime: job.startTime },
      },
    ],
    logs: {
      [APP_POD]: Array.from(
        { length: 5 },
        (_, i) => `2026-12-01 11:4${i}:00,000 ERROR orders.api create_order failed\n${o.appError}`,
      ).join('\n'),
      [JOB_POD]: o.jobLog,
    },
    repo: { [o.file]: o.sql },
    commits: [
      {
        sha: 'f2a9c41e7b0d63584e1c9a2f7d8b05e3c6a4d19b',
        message: 'release: orders 2.31.0',
        date: '2026-12-01T11:33:00Z',
        files: [
          { path: 'deploy/kustomization.yaml', patch: '@@ -1 +1 @@\n-newTag: 2.30.1\n+newTag: 2.31.0\n' },
        ],
      },
      {
        sha: SHA,
        message: 'orders: customer order history endpoint',
        date: '2026-11-30T16:22:00Z',
        files: [
          { path: 'orders/api/customers.py', patch: '@@ -0,0 +1 @@\n+def history(): ...\n' },
          { path: o.file, patch: `@@ -0,0 +1,2 @@\n+-- customer history\n+${o.sql}\n` },
        ],
      },
    ],
  };
}

async function diagnose(c: FakeCluster) {
  const ctx = engineContext(fakeTools(c), { service: 'orders' });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

const GOLANG_MIGRATE = {
  appError: 'asyncpg.exceptions.LockNotAvailableError: canceling statement due to lock timeout',
  jobLog:
    '2026/12/01 11:34:08 Start buffering 57/u orders_customer_idx\n2026/12/01 11:34:08 Read and execute 57/u orders_customer_idx\n',
  file: 'migrations/000057_orders_customer_idx.up.sql',
  sql: 'CREATE INDEX orders_customer_idx ON orders (customer_id, created_at DESC);',
};

describe('a running migration that locks the table the application writes', () => {
  it('names the running Job, the migration file, its CREATE INDEX without CONCURRENTLY and the commit', async () => {
    const { findings, ctx } = await diagnose(cluster(GOLANG_MIGRATE));
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toContain(JOB);
    expect(text).toContain('CREATE INDEX orders_customer_idx ON orders');
    expect(text).toContain('table orders');
    expect(text).toContain('canceling statement due to lock timeout');
    expect(findings.suggestedFix).toContain('CONCURRENTLY');
    expect(ctx.casebook.suspectFiles[0]?.path).toBe(GOLANG_MIGRATE.file);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(SHA);
  });

  it('reads a Flyway migration that rewrites the table with a column type change', async () => {
    const { findings, ctx } = await diagnose(
      cluster({
        appError: 'org.postgresql.util.PSQLException: ERROR: canceling statement due to statement timeout',
        jobLog: 'Migrating schema "public" to version "88 - widen amount"\n',
        job: { active: 1, startTime: '2026-12-01T11:40:00Z', image: 'flyway/flyway:10' },
        file: 'db/migration/V88__widen_amount.sql',
        sql: 'ALTER TABLE payments ALTER COLUMN amount TYPE numeric(14,2);',
      }),
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('ALTER COLUMN amount TYPE');
    expect(said(findings)).toMatch(/ACCESS EXCLUSIVE/);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('db/migration/V88__widen_amount.sql');
  });

  it('stays silent when the migration Job finished hours ago', async () => {
    const { findings } = await diagnose(
      cluster({ ...GOLANG_MIGRATE, job: { active: 0, startTime: '2026-12-01T06:00:00Z' } }),
    );
    expect(said(findings)).not.toMatch(/locks table orders|run by Job/);
  });

  it('stays silent when the index is built CONCURRENTLY', async () => {
    const { findings } = await diagnose(
      cluster({
        ...GOLANG_MIGRATE,
        sql: 'CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);',
      }),
    );
    expect(said(findings)).not.toMatch(/run by Job/);
  });
});
