import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a Job that fails on an identifier (a column, a table, a migration id) is attributed
 * to the recent commit whose added lines hold that identifier, and the file holding them is the
 * suspect; a binary for the wrong CPU architecture is attributed to the commit that set a platform.
 */
const sha = (c: string) => c.repeat(40);

function job(log: string, commits: FakeCluster['commits'], extra: Partial<FakeCluster> = {}): FakeCluster {
  return {
    workloads: {
      'orders-migrate': {
        workload: { kind: 'Job', name: 'orders-migrate' },
        pods: [
          {
            name: 'orders-migrate-x1',
            phase: 'Failed',
            ready: '0/1',
            ownerKind: 'Job',
            ownerName: 'orders-migrate',
            labels: { 'job-name': 'orders-migrate' },
            containers: [
              {
                name: 'migrate',
                image: 'r/orders:2.4',
                ready: false,
                state: 'terminated',
                reason: 'Error',
                exitCode: 1,
                finishedAt: '2026-12-01T11:00:00Z',
              },
            ],
          },
        ],
      },
    },
    logs: { 'orders-migrate-x1': log },
    objects: [
      {
        kind: 'Job',
        metadata: { name: 'orders-migrate', namespace: 'shop' },
        spec: { backoffLimit: 0 },
        status: {
          failed: 1,
          conditions: [
            {
              type: 'Failed',
              status: 'True',
              reason: 'BackoffLimitExceeded',
              message: 'Job has reached the specified backoff limit',
            },
          ],
        },
      },
    ],
    repo: {
      'app/migrate.py': 'import sys\n\ndef run(sql):\n    cursor.execute(sql)\n',
      'deploy/orders-migrate.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: orders-migrate\n',
    },
    commits,
    ...extra,
  };
}

describe('Job failures attributed by identifier and by architecture', () => {
  it('blames the commit whose added migration lines hold the quoted column', async () => {
    const log = [
      'INFO applying migrations/0042_add_shipped_at.sql',
      'Traceback (most recent call last):',
      '  File "/app/app/migrate.py", line 4, in run',
      '    cursor.execute(sql)',
      'psycopg2.errors.DuplicateColumn: column "shipped_at" of relation "orders" already exists',
    ].join('\n');
    const ctx = engineContext(
      fakeTools(
        job(log, [
          {
            sha: sha('d'),
            message: 'bump base image',
            date: '2026-12-01T10:30:00Z',
            files: [{ path: 'Dockerfile', patch: '@@ -1 +1 @@\n-FROM python:3.11\n+FROM python:3.12' }],
          },
          {
            sha: sha('e'),
            message: 'add shipped_at to orders',
            date: '2026-12-01T09:00:00Z',
            files: [
              {
                path: 'migrations/0042_add_shipped_at.sql',
                patch: '@@ -0,0 +1 @@\n+ALTER TABLE orders ADD COLUMN shipped_at timestamptz;',
              },
            ],
          },
        ]),
      ),
      { service: 'orders-migrate' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('shipped_at');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(sha('e'));
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('migrations/0042_add_shipped_at.sql');
  });

  it('blames the commit that set the build platform for an exec format error', async () => {
    const ctx = engineContext(
      fakeTools(
        job('exec /usr/local/bin/migrate: exec format error', [
          {
            sha: sha('f'),
            message: 'docs',
            date: '2026-12-01T10:30:00Z',
            files: [{ path: 'README.md', patch: '@@ -1 +1 @@\n-a\n+b' }],
          },
          {
            sha: sha('a'),
            message: 'ci: build on the new runners',
            date: '2026-12-01T09:00:00Z',
            files: [
              {
                path: '.github/workflows/build.yaml',
                patch:
                  '@@ -10,3 +10,3 @@\n       - uses: docker/build-push-action@v5\n         with:\n-          platforms: linux/amd64\n+          platforms: linux/arm64',
              },
            ],
          },
        ]),
      ),
      { service: 'orders-migrate' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(said(f)).toMatch(/exec format error|architecture/);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(sha('a'));
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('.github/workflows/build.yaml');
  });
});
