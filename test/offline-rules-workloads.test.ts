import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { exhaustedResource, parseQuotaRejection } from '../src/llm/offline/rules/pod-creation.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

async function diagnose(cluster: FakeCluster, service: string) {
  const ctx = engineContext(fakeTools(cluster), { service });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

describe('pods the controller cannot create', () => {
  it('reads the resource a quota rejection is about', () => {
    const q = parseQuotaRejection(
      'Error creating: pods "web-7d9f-x" is forbidden: exceeded quota: compute, requested: limits.cpu=1,limits.memory=512Mi, used: limits.cpu=2,limits.memory=1800Mi, limited: limits.cpu=8,limits.memory=2Gi',
    );
    expect(q?.quota).toBe('compute');
    expect(exhaustedResource(q!)).toEqual({
      resource: 'limits.memory',
      requested: '512Mi',
      used: '1800Mi',
      limited: '2Gi',
    });
  });

  it('blames an exhausted ResourceQuota from FailedCreate on the ReplicaSet, with its used and hard figures', async () => {
    const { findings, ctx } = await diagnose(
      {
        workloads: { search: { workload: { kind: 'Deployment', name: 'search' }, pods: [] } },
        events: [
          {
            type: 'Warning',
            reason: 'FailedCreate',
            object: 'ReplicaSet/search-7d8c9b6f5d',
            count: 30,
            message:
              'Error creating: pods "search-7d8c9b6f5d-zq4xw" is forbidden: exceeded quota: team-quota, requested: requests.cpu=1, used: requests.cpu=7500m, limited: requests.cpu=8',
          },
        ],
        objects: [
          {
            kind: 'ResourceQuota',
            metadata: { name: 'team-quota', namespace: 'shop' },
            status: {
              hard: { 'requests.cpu': '8', pods: '20' },
              used: { 'requests.cpu': '7500m', pods: '9' },
            },
          },
        ],
      },
      'search',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('ResourceQuota team-quota');
    expect(said(findings)).toContain('requests.cpu');
    expect(findings.rootCause.statement).toContain('requests.cpu 7500m/8');
    expect(findings.summary).toContain('it has no pods');
    expect(ctx.casebook.evidence[0]?.ref).toBe('ReplicaSet/search-7d8c9b6f5d');
  });

  it('names the LimitRange maximum a DaemonSet pod exceeds', async () => {
    const { findings } = await diagnose(
      {
        workloads: {
          agent: {
            workload: { kind: 'DaemonSet', name: 'agent' },
            pods: [{ name: 'agent-x7k2m', containers: [running('agent')] }],
          },
        },
        events: [
          {
            type: 'Warning',
            reason: 'FailedCreate',
            object: 'DaemonSet/agent',
            count: 5,
            message:
              'Error creating: pods "agent-w5jnb" is forbidden: maximum memory usage per Container is 512Mi, but limit is 1Gi',
          },
        ],
        objects: [{ kind: 'LimitRange', metadata: { name: 'container-limits', namespace: 'shop' } }],
      },
      'agent',
    );
    expect(said(findings)).toContain('maximum memory usage per Container is 512Mi, but limit is 1Gi');
    expect(said(findings)).toContain('LimitRange container-limits');
  });
});

describe('Jobs, CronJobs and commands', () => {
  it('explains a Job that hit its backoff limit by the command its script could not find', async () => {
    const pods = ['b4nwd', 'q7zkt'].map((suffix, i) => ({
      name: `backup-29966520-${suffix}`,
      phase: 'Failed',
      ready: '0/1',
      ownerKind: 'Job',
      ownerName: 'backup-29966520',
      startTime: `2026-12-01T02:0${i}:00Z`,
      containers: [{ name: 'backup', ready: false, state: 'terminated', reason: 'Error', exitCode: 127 }],
    }));
    const { findings } = await diagnose(
      {
        workloads: { backup: { workload: { kind: 'CronJob', name: 'backup' }, pods } },
        events: [
          {
            type: 'Warning',
            reason: 'BackoffLimitExceeded',
            object: 'Job/backup-29966520',
            message: 'Job has reached the specified backoff limit',
          },
        ],
        logs: Object.fromEntries(
          pods.map((p) => [p.name, 'starting backup\n/scripts/backup.sh: line 5: pg_dump: not found']),
        ),
        objects: [
          {
            kind: 'Job',
            metadata: {
              name: 'backup-29966520',
              namespace: 'shop',
              ownerReferences: [{ kind: 'CronJob', name: 'backup' }],
            },
            spec: { backoffLimit: 1 },
            status: {
              failed: 2,
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
          {
            kind: 'Pod',
            metadata: { name: 'backup-29966520-q7zkt', namespace: 'shop' },
            spec: { containers: [{ name: 'backup', command: ['/bin/sh', '/scripts/backup.sh'] }] },
          },
        ],
      },
      'backup',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('BackoffLimitExceeded');
    expect(said(findings)).toContain('"pg_dump" does not exist in the image');
    expect(findings.rootCause.statement).toContain('exits with code 127');
    // The script is right; the image lacks the tool it calls.
    expect(findings.suggestedFix).toContain('does not contain pg_dump');
    expect(findings.suggestedFix).not.toContain('rollout undo');
  });

  it('says a CronJob run hit its deadline and restores the deadline a commit lowered', async () => {
    const { findings, ctx } = await diagnose(
      {
        workloads: {
          export: {
            workload: { kind: 'CronJob', name: 'export' },
            pods: [
              {
                name: 'export-29955555-x2k9p',
                phase: 'Failed',
                ready: '0/1',
                ownerKind: 'Job',
                ownerName: 'export-29955555',
                containers: [
                  { name: 'export', ready: false, state: 'terminated', reason: 'Error', exitCode: 143 },
                ],
              },
            ],
          },
        },
        logs: { 'export-29955555-x2k9p': 'exporting batch 14 of 20' },
        objects: [
          {
            kind: 'Job',
            metadata: {
              name: 'export-29955555',
              namespace: 'shop',
              ownerReferences: [{ kind: 'CronJob', name: 'export' }],
            },
            spec: { activeDeadlineSeconds: 600 },
            status: {
              failed: 1,
              conditions: [
                {
                  type: 'Failed',
                  status: 'True',
                  reason: 'DeadlineExceeded',
                  message: 'Job was active longer than specified deadline',
                },
              ],
            },
          },
        ],
        commits: [
          {
            sha: 'f3a91c7e2b5d8046a9c1e3f7b2d5a8c0e4f6b913',
            message: 'cronjobs: cap export at 10 minutes',
            date: '2026-11-30T08:41:06Z',
            files: [
              {
                path: 'deploy/export.yaml',
                patch:
                  '@@ -15,7 +15,8 @@\n   spec:\n-      activeDeadlineSeconds: 3600\n+      # never hold the lock\n+      activeDeadlineSeconds: 600\n       backoffLimit: 1',
              },
            ],
          },
        ],
      },
      'export',
    );
    expect(said(findings)).toContain('DeadlineExceeded');
    expect(said(findings)).toContain('600s');
    expect(findings.rootCause.statement).toContain(
      '`- activeDeadlineSeconds: 3600`, `+ activeDeadlineSeconds: 600`',
    );
    expect(findings.suggestedFix).toContain('Restore activeDeadlineSeconds to 3600');
    expect(ctx.casebook.suspectCommits[0]?.sha).toMatch(/^f3a91c7/);
  });

  it('finds an init container that cannot start its misspelt command in a bare Pod', async () => {
    const { findings } = await diagnose(
      {
        workloads: {
          'reindex-canary': {
            workload: { kind: 'Pod', name: 'reindex-canary' },
            pods: [
              {
                name: 'reindex-canary',
                phase: 'Pending',
                ready: '0/1',
                containers: [
                  {
                    name: 'preflight',
                    init: true,
                    ready: false,
                    restartCount: 5,
                    state: 'waiting',
                    reason: 'CrashLoopBackOff',
                    lastTermination: {
                      reason: 'StartError',
                      exitCode: 128,
                      message:
                        'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "pyhton": executable file not found in $PATH: unknown',
                    },
                  },
                  { name: 'reindex', ready: false, state: 'waiting', reason: 'PodInitializing' },
                ],
              },
            ],
          },
        },
        objects: [
          {
            kind: 'Pod',
            metadata: { name: 'reindex-canary', namespace: 'shop' },
            spec: {
              initContainers: [{ name: 'preflight', command: ['pyhton', '-m', 'preflight'] }],
              containers: [{ name: 'reindex' }],
            },
          },
        ],
      },
      'reindex-canary',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('init container preflight');
    expect(said(findings)).toContain('"pyhton" does not exist in the image');
    expect(findings.rootCause.statement).toContain('`pyhton -m preflight`');
    expect(findings.suggestedFix).toContain("a Pod's containers cannot be changed in place");
  });
});

describe('replicas and kills', () => {
  it('says a Deployment with no pods asks for none', async () => {
    const { findings } = await diagnose(
      {
        workloads: { ledger: { workload: { kind: 'Deployment', name: 'ledger' }, pods: [] } },
        deployments: {
          ledger: { name: 'ledger', replicas: { desired: 0, ready: 0 }, conditions: [], rolloutHistory: [] },
        },
      },
      'ledger',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('scaled to zero');
  });

  it('does not call a liveness kill (exit 137) an OOM kill', async () => {
    const pod = 'api-7d9f8b6c4-x2k9p';
    const { findings } = await diagnose(
      {
        workloads: {
          api: {
            workload: { kind: 'Deployment', name: 'api' },
            pods: [
              {
                name: pod,
                ready: '0/1',
                restarts: 6,
                containers: [
                  running('api', {
                    ready: false,
                    restartCount: 6,
                    lastTermination: { reason: 'Error', exitCode: 137 },
                    resources: { limits: { memory: '512Mi' } },
                  }),
                ],
              },
            ],
          },
        },
        events: [
          {
            type: 'Warning',
            reason: 'Unhealthy',
            object: `Pod/${pod}`,
            count: 18,
            message:
              'Liveness probe failed: Get "http://10.1.0.4:8080/healthz": dial tcp 10.1.0.4:8080: connect: connection refused',
          },
        ],
        logs: {
          [pod]: '{"severity":"info","message":"listening on :9090"}',
          [`${pod}.previous`]: '{"severity":"info","message":"listening on :9090"}',
        },
      },
      'api',
    );
    expect(said(findings)).not.toContain('OOMKilled');
    expect(said(findings)).toContain('liveness probe');
    expect(said(findings)).toContain('listens on port 9090 but the probe checks port 8080');
  });
});

describe('node trouble and probes', () => {
  it('tells an eviction for ephemeral storage from node memory pressure', async () => {
    const { findings } = await diagnose(
      {
        workloads: {
          web: {
            workload: { kind: 'Deployment', name: 'web' },
            pods: [
              {
                name: 'web-7d9f8b6c4-x2k9p',
                phase: 'Failed',
                ready: '0/1',
                reason: 'Evicted',
                message: 'Pod ephemeral local storage usage exceeds the total limit of containers 1Gi.',
                containers: [
                  { name: 'web', ready: false, state: 'terminated', exitCode: 137, reason: 'Error' },
                ],
              },
            ],
          },
        },
      },
      'web',
    );
    expect(said(findings)).toContain('ephemeral storage');
    expect(said(findings)).not.toContain('memory pressure');
    expect(findings.suggestedFix).toContain('ephemeral-storage requests and limits');
  });

  it('says a probe path answers 404', async () => {
    const pod = 'web-7d9f8b6c4-x2k9p';
    const { findings } = await diagnose(
      {
        workloads: {
          web: {
            workload: { kind: 'Deployment', name: 'web' },
            pods: [{ name: pod, ready: '0/1', containers: [running('web', { ready: false })] }],
          },
        },
        events: [
          {
            type: 'Warning',
            reason: 'Unhealthy',
            object: `Pod/${pod}`,
            count: 40,
            message: 'Readiness probe failed: HTTP probe failed with statuscode: 404',
          },
        ],
        logs: { [pod]: '{"severity":"info","message":"GET /healthz 404"}' },
      },
      'web',
    );
    expect(said(findings)).toContain('readiness probe');
    expect(said(findings)).toContain('answers 404');
  });
});

describe('a CronJob that recovered', () => {
  it('does not report a failed run that a newer, completed run has superseded', async () => {
    const job = (name: string, created: string, condition: string, reason?: string) => ({
      kind: 'Job',
      metadata: {
        name,
        namespace: 'shop',
        creationTimestamp: created,
        ownerReferences: [{ kind: 'CronJob', name: 'sync' }],
      },
      spec: { backoffLimit: 0 },
      status: { conditions: [{ type: condition, status: 'True', ...(reason ? { reason } : {}) }] },
    });
    const pod = (name: string, job: string, phase: string) => ({
      name,
      phase,
      ready: '0/1',
      ownerKind: 'Job',
      ownerName: job,
      containers: [
        {
          name: 'sync',
          ready: false,
          state: 'terminated',
          reason: phase === 'Failed' ? 'Error' : 'Completed',
          exitCode: phase === 'Failed' ? 1 : 0,
        },
      ],
    });
    const { findings } = await diagnose(
      {
        workloads: {
          sync: {
            workload: { kind: 'CronJob', name: 'sync' },
            pods: [
              pod('sync-29000060-abcde', 'sync-29000060', 'Succeeded'),
              pod('sync-29000000-fghjk', 'sync-29000000', 'Failed'),
            ],
          },
        },
        logs: { 'sync-29000060-abcde': 'synced 40 rows', 'sync-29000000-fghjk': 'synced 40 rows' },
        objects: [
          job('sync-29000060', '2026-12-01T11:00:00Z', 'Complete'),
          job('sync-29000000', '2026-12-01T10:00:00Z', 'Failed', 'BackoffLimitExceeded'),
        ],
      },
      'sync',
    );
    expect(said(findings)).not.toContain('BackoffLimitExceeded');
    expect(findings.status).toBe('healthy');
  });
});
