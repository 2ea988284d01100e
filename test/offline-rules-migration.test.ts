import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a start-up that runs database migrations and fails part-way is the failing migration's
 * fault: its id, file and the commit that added it are named, not the entry point the stack
 * passes through, and the database's own error comes before the tool's wrapper.
 */
const pod = 'billing-6c5d4e3f2-k8l9m';

function cluster(log: string, migrationPath: string): FakeCluster {
  return {
    workloads: {
      billing: {
        workload: { kind: 'Deployment', name: 'billing' },
        pods: [
          {
            name: pod,
            phase: 'Pending',
            ready: '0/1',
            containers: [
              {
                name: 'db-upgrade',
                init: true,
                state: 'waiting',
                reason: 'CrashLoopBackOff',
                restartCount: 3,
                exitCode: 1,
                lastTermination: { reason: 'Error', exitCode: 1 },
              },
              { name: 'billing', state: 'waiting', reason: 'PodInitializing', ready: false },
            ],
          },
        ],
      },
    },
    logs: { [`${pod}.db-upgrade`]: log, [`${pod}.db-upgrade.previous`]: log },
    commits: [
      {
        sha: 'e'.repeat(40),
        message: 'docs: runbook',
        date: '2026-11-30T12:00:00Z',
        files: [{ path: 'docs/run.md', patch: '@@ -1 +1 @@\n-a\n+b' }],
      },
      {
        sha: 'f'.repeat(40),
        message: 'invoices: unique number per account',
        date: '2026-11-30T09:00:00Z',
        files: [
          {
            path: migrationPath,
            patch:
              '@@ -0,0 +1,3 @@\n+def upgrade():\n+    op.create_unique_constraint("uq_invoice_number", "invoices", ["account_id", "number"])',
          },
        ],
      },
    ],
  };
}

describe('a database migration that fails at start-up', () => {
  it('names the Alembic revision, its file and commit, quoting the database error first', async () => {
    const log = [
      'INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.',
      'INFO  [alembic.runtime.migration] Running upgrade 3c1d2e -> 9a8b7c6d5e4f, unique invoice number',
      'Traceback (most recent call last):',
      '  File "/usr/local/lib/python3.12/site-packages/sqlalchemy/engine/base.py", line 1967, in _exec_single_context',
      'sqlalchemy.exc.IntegrityError: (psycopg.errors.UniqueViolation) could not create unique index "uq_invoice_number"',
      'DETAIL:  Key (account_id, number)=(17, INV-001) is duplicated.',
    ].join('\n');
    const ctx = engineContext(
      fakeTools(cluster(log, 'migrations/versions/9a8b7c6d5e4f_unique_invoice_number.py')),
      { service: 'billing' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('Alembic migration 9a8b7c6d5e4f fails');
    expect(said(f)).toContain('could not create unique index');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('f'.repeat(40));
    expect(ctx.casebook.suspectFiles[0]?.path).toBe(
      'migrations/versions/9a8b7c6d5e4f_unique_invoice_number.py',
    );
  });
});
