import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principles: a Job that failed for good (its backoff limit) stays failed until a later run
 * succeeds, so it is never a recovered blip; an alert that names such a Job beside a healthy
 * service is about that Job; and when a Job's retries fail differently from its first attempt,
 * the first attempt's error is the cause (the retries fail on what it left behind).
 */
const migratePod = (name: string, startTime: string, finishedAt: string) => ({
  name,
  phase: 'Failed',
  ready: '0/1',
  startTime,
  ownerKind: 'Job',
  ownerName: 'billing-migrate-7',
  labels: { 'job-name': 'billing-migrate-7' },
  containers: [
    {
      name: 'migrate',
      image: 'r/billing:3.2',
      ready: false,
      state: 'terminated',
      reason: 'Error',
      exitCode: 1,
      finishedAt,
    },
  ],
});

const failedJob = {
  kind: 'Job',
  metadata: { name: 'billing-migrate-7', namespace: 'shop' },
  spec: { backoffLimit: 2 },
  status: {
    failed: 3,
    conditions: [
      {
        type: 'Failed',
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      },
    ],
  },
};

const backoffEvent = {
  type: 'Warning',
  reason: 'BackoffLimitExceeded',
  object: 'Job/billing-migrate-7',
  count: 1,
  lastTimestamp: '2026-12-01T11:20:00Z',
  message: 'Job has reached the specified backoff limit',
};

function cluster(): FakeCluster {
  const apiPod = (name: string) => ({
    name,
    startTime: '2026-11-28T08:00:00Z',
    ownerKind: 'ReplicaSet',
    ownerName: 'billing-6d5c4b3a21',
    containers: [running('billing', { startedAt: '2026-11-28T08:00:10Z' })],
  });
  return {
    workloads: {
      billing: {
        workload: { kind: 'Deployment', name: 'billing' },
        pods: [apiPod('billing-6d5c4b3a21-aaaaa'), apiPod('billing-6d5c4b3a21-bbbbb')],
      },
      'billing-migrate-7': {
        workload: { kind: 'Job', name: 'billing-migrate-7' },
        pods: [
          migratePod('billing-migrate-7-p1', '2026-12-01T11:10:00Z', '2026-12-01T11:10:20Z'),
          migratePod('billing-migrate-7-p2', '2026-12-01T11:12:00Z', '2026-12-01T11:12:05Z'),
          migratePod('billing-migrate-7-p3', '2026-12-01T11:16:00Z', '2026-12-01T11:16:05Z'),
        ],
      },
    },
    events: [backoffEvent],
    logs: {
      'billing-6d5c4b3a21-aaaaa': '2026-12-01T11:50:00Z INFO served /invoices 200\n'.repeat(5),
      'billing-6d5c4b3a21-bbbbb': '2026-12-01T11:50:00Z INFO served /invoices 200\n'.repeat(5),
      'billing-migrate-7-p1': [
        'applying 0019_unique_invoice_number',
        'ERROR: could not create unique index "invoices_number_key"',
        'DETAIL: Key (number)=(INV-2041) is duplicated.',
      ].join('\n'),
      'billing-migrate-7-p2':
        'ERROR: migration 0019_unique_invoice_number is marked as failed; resolve it before applying new ones\n',
      'billing-migrate-7-p3':
        'ERROR: migration 0019_unique_invoice_number is marked as failed; resolve it before applying new ones\n',
    },
    objects: [failedJob],
    commits: [
      {
        sha: 'ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12',
        message: 'invoices: numbers are unique',
        date: '2026-11-30T16:00:00Z',
        files: [
          { path: 'db/schema.sql', patch: '@@ -4,3 +4,3 @@\n-  number text\n+  number text unique' },
          {
            path: 'db/migrations/0019_unique_invoice_number.sql',
            patch: '@@ -0,0 +1 @@\n+CREATE UNIQUE INDEX "invoices_number_key" ON invoices (number);',
          },
        ],
      },
    ],
  };
}

describe('a failed Job beside a healthy service', () => {
  it('is what the alert is about: the Job is diagnosed, from its first attempt, with the commit that wrote it', async () => {
    const ctx = engineContext(fakeTools(cluster()), {
      service: 'billing',
      text: 'KubeJobFailed: Job shop/billing-migrate-7 failed to complete.',
    });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('billing-migrate-7');
    expect(findings.rootCause.statement).toContain('first attempt');
    expect(findings.rootCause.statement).toContain('invoices_number_key');
    expect(findings.rootCause.statement).toContain('duplicated');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12');
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('db/migrations/0019_unique_invoice_number.sql');
  });

  it('is never a recovered blip, even without an alert that names it', async () => {
    const ctx = engineContext(fakeTools(cluster()), { service: 'billing' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).not.toBe('healthy');
  });
});
