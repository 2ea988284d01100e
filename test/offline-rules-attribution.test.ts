import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { culpritLines, valueTokens } from '../src/llm/offline/rules/recent-change.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: the culprit commit is the one whose diff added (or last changed) the value the
 * Kubernetes cause names; a newer commit to the same file that left that line alone is a decoy.
 */
async function diagnose(cluster: FakeCluster, service: string) {
  const ctx = engineContext(fakeTools(cluster), { service });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

/** A newer commit to the same manifest that changes something else (an image tag, a replica count). */
function decoy(path: string, patch: string) {
  return {
    sha: 'dec0y00000000000',
    message: 'Bump image to 1.4.2',
    date: '2026-12-01T11:00:00Z',
    files: [{ path, patch }],
  };
}

describe('culpritLines', () => {
  it('scores an added line holding the value over a removed one, and a change beside it lowest', () => {
    expect(culpritLines('@@ -1,2 +1,2 @@\n-  port: 8080\n+  port: 8081', ['8081']).score).toBe(12);
    expect(
      culpritLines('@@ -1,2 +1,2 @@\n-  suspend: true\n+  suspend: false', ['suspend: true']).score,
    ).toBe(8);
    expect(
      culpritLines(
        '@@ -3,4 +3,4 @@\n - apiGroups: [""]\n   resources: ["configmaps"]\n-  verbs: ["get", "list"]\n+  verbs: ["get"]',
        ['configmaps'],
      ).score,
    ).toBe(5);
  });

  it('matches a number only as a whole number and ignores comments', () => {
    expect(culpritLines('@@ -1 +1 @@\n+  port: 18081', ['8081']).score).toBe(0);
    expect(culpritLines('@@ -1 +1 @@\n+  # was 8081', ['8081']).score).toBe(0);
  });

  it('quotes the added value beside the value it replaced', () => {
    expect(culpritLines('@@ -1,2 +1,2 @@\n-  port: 8080\n+  port: 8081', ['8081']).lines).toEqual([
      '-  port: 8080',
      '+  port: 8081',
    ]);
  });
});

describe('valueTokens', () => {
  it('keeps ids and quoted names, not prose, numbers or times', () => {
    const tokens = valueTokens(
      'ERROR 2026-12-01T10:00:00Z migration 0042_add_currency_column failed: relation "ledger_entries" does not exist after 3 tries',
    );
    expect(tokens).toContain('0042_add_currency_column');
    expect(tokens).toContain('ledger_entries');
    expect(tokens).not.toContain('3');
    expect(tokens.some((t) => t.startsWith('2026-12-01'))).toBe(false);
  });
});

const pendingPod = {
  name: 'search-0',
  phase: 'Pending',
  ready: '0/1',
  ownerKind: 'StatefulSet',
  ownerName: 'search',
  containers: [{ name: 'search', ready: false, state: 'waiting', reason: 'NotCreated' }],
};

describe('attribution of a Kubernetes cause to the commit that wrote it', () => {
  it('a StorageClass that does not exist: the commit that added storageClassName, not the newer image bump', async () => {
    const { findings, ctx } = await diagnose(
      {
        workloads: { search: { workload: { kind: 'StatefulSet', name: 'search' }, pods: [pendingPod] } },
        events: [
          {
            type: 'Warning',
            reason: 'FailedScheduling',
            object: 'Pod/search-0',
            message: '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.',
          },
        ],
        objects: [
          {
            kind: 'Pod',
            metadata: { name: 'search-0', namespace: 'shop' },
            spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-search-0' } }] },
          },
          {
            kind: 'PersistentVolumeClaim',
            metadata: { name: 'data-search-0', namespace: 'shop' },
            spec: { storageClassName: 'fast-ssd', resources: { requests: { storage: '20Gi' } } },
            status: { phase: 'Pending' },
          },
          { kind: 'StorageClass', metadata: { name: 'standard' } },
        ],
        repo: {
          'deploy/search.yaml':
            'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: search\nspec:\n  volumeClaimTemplates:\n    - spec:\n        storageClassName: fast-ssd\n',
        },
        commits: [
          decoy(
            'deploy/search.yaml',
            '@@ -20,3 +20,3 @@\n-        image: search:1.4.1\n+        image: search:1.4.2',
          ),
          {
            sha: 'c0ffee1234567890',
            message: 'Move search to faster disks',
            date: '2026-11-30T09:00:00Z',
            files: [
              {
                path: 'deploy/search.yaml',
                patch:
                  '@@ -30,3 +30,3 @@\n     - spec:\n-        storageClassName: standard\n+        storageClassName: fast-ssd',
              },
            ],
          },
        ],
      },
      'search',
    );
    expect(said(findings)).toContain('fast-ssd');
    expect(ctx.casebook.suspectCommits.map((c) => c.sha)).toEqual(['c0ffee1234567890']);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('deploy/search.yaml');
    expect(said(findings)).toContain('+ storageClassName: fast-ssd');
  });

  it('a liveness probe on the wrong port: the commit that changed the probe port', async () => {
    const pod = 'api-7d9f8c6b5-x2x9q';
    const { findings, ctx } = await diagnose(
      {
        workloads: {
          api: {
            workload: { kind: 'Deployment', name: 'api' },
            pods: [
              {
                name: pod,
                restarts: 4,
                ownerKind: 'ReplicaSet',
                ownerName: 'api-7d9f8c6b5',
                labels: { 'pod-template-hash': '7d9f8c6b5' },
                containers: [running('api', { restartCount: 4 })],
              },
            ],
          },
        },
        events: [
          {
            type: 'Warning',
            reason: 'Unhealthy',
            object: `Pod/${pod}`,
            count: 12,
            message:
              'Liveness probe failed: Get "http://10.4.1.7:9091/livez": dial tcp 10.4.1.7:9091: connect: connection refused',
          },
        ],
        logs: { [pod]: 'server listening on :9090\n', [`${pod}.previous`]: 'server listening on :9090\n' },
        objects: [
          {
            kind: 'Pod',
            metadata: { name: pod, namespace: 'shop' },
            spec: {
              containers: [{ name: 'api', livenessProbe: { httpGet: { path: '/livez', port: 9091 } } }],
            },
          },
        ],
        commits: [
          decoy(
            'deploy/api.yaml',
            '@@ -18,3 +18,3 @@\n-          image: api:2.0.0\n+          image: api:2.0.1',
          ),
          {
            sha: 'bad9091abcdef000',
            message: 'Tidy probes',
            date: '2026-11-30T15:00:00Z',
            files: [
              {
                path: 'deploy/api.yaml',
                patch:
                  '@@ -40,5 +40,5 @@\n           livenessProbe:\n             httpGet:\n               path: /livez\n-              port: 9090\n+              port: 9091',
              },
            ],
          },
        ],
      },
      'api',
    );
    expect(said(findings)).toContain('9091');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('bad9091abcdef000');
    expect(ctx.casebook.suspectCommits.map((c) => c.sha)).not.toContain('dec0y00000000000');
  });

  it('a suspended CronJob: the commit that added suspend: true', async () => {
    const { findings, ctx } = await diagnose(
      {
        workloads: { nightly: { workload: { kind: 'CronJob', name: 'nightly' }, pods: [] } },
        objects: [
          {
            kind: 'CronJob',
            metadata: { name: 'nightly', namespace: 'shop' },
            spec: { schedule: '0 2 * * *', suspend: true },
            status: { lastScheduleTime: '2026-11-28T02:00:00Z' },
          },
        ],
        commits: [
          decoy('deploy/nightly.yaml', '@@ -5,3 +5,3 @@\n-  schedule: "0 1 * * *"\n+  schedule: "0 2 * * *"'),
          {
            sha: '5u5pend000000000',
            message: 'Pause jobs during freeze',
            date: '2026-11-28T10:00:00Z',
            files: [{ path: 'deploy/nightly.yaml', patch: '@@ -6,2 +6,3 @@\n spec:\n+  suspend: true' }],
          },
        ],
      },
      'nightly',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('suspend');
    expect(ctx.casebook.suspectCommits.map((c) => c.sha)).toEqual(['5u5pend000000000']);
  });

  it('an RBAC Forbidden: the commit that dropped the verb from the rule of the refused resource', async () => {
    const pod = 'flags-6c8d7b9f4-k2j4m';
    const forbidden =
      'E1201 11:59:00 reflector.go:147] Failed to watch: configmaps is forbidden: User "system:serviceaccount:shop:flags" cannot list resource "configmaps" in API group "" in the namespace "shop"';
    const { ctx } = await diagnose(
      {
        workloads: {
          flags: {
            workload: { kind: 'Deployment', name: 'flags' },
            pods: [{ name: pod, containers: [running('flags')] }],
          },
        },
        logs: { [pod]: `${forbidden}\n${forbidden}\n${forbidden}\n` },
        objects: [
          {
            kind: 'RoleBinding',
            metadata: { name: 'flags-read', namespace: 'shop' },
            roleRef: { kind: 'Role', name: 'flags-reader' },
            subjects: [{ kind: 'ServiceAccount', name: 'flags', namespace: 'shop' }],
          },
          {
            kind: 'Role',
            metadata: { name: 'flags-reader', namespace: 'shop' },
            rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
          },
        ],
        access: (args) => ({ allowed: false, ...args }),
        commits: [
          decoy('deploy/rbac.yaml', '@@ -1,3 +1,3 @@\n-# owners: team-a\n+# owners: team-b\n kind: Role'),
          {
            sha: 'rbac000000000001',
            message: 'Least privilege for flags',
            date: '2026-11-30T12:00:00Z',
            files: [
              {
                path: 'deploy/rbac.yaml',
                patch:
                  '@@ -8,4 +8,4 @@\n   - apiGroups: [""]\n     resources: ["configmaps"]\n-    verbs: ["get", "list", "watch"]\n+    verbs: ["get"]',
              },
            ],
          },
        ],
      },
      'flags',
    );
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('rbac000000000001');
  });
});

describe('a data file whose recent change broke its syntax', () => {
  const pod = 'pricing-5f6d7c8b9-abcde';
  const crashing = {
    workloads: {
      pricing: {
        workload: { kind: 'Deployment', name: 'pricing' },
        pods: [
          {
            name: pod,
            ready: '0/1',
            restarts: 6,
            containers: [
              running('pricing', {
                ready: false,
                restartCount: 6,
                state: 'waiting',
                reason: 'CrashLoopBackOff',
                lastTermination: { reason: 'Error', exitCode: 1 },
              }),
            ],
          },
        ],
      },
    },
    logs: {
      [pod]: '',
      [`${pod}.previous`]: [
        'Traceback (most recent call last):',
        '  File "/app/main.py", line 12, in <module>',
        '    settings = yaml.safe_load(stream)',
        'yaml.scanner.ScannerError: mapping values are not allowed here',
        '  in "<file>", line 4, column 12',
      ].join('\n'),
    },
  } satisfies FakeCluster;

  it('names the file that no longer parses and the commit that wrote the bad line, not a newer one', async () => {
    const { findings, ctx } = await diagnose(
      {
        ...crashing,
        repo: {
          'config/settings.yaml': 'currency: EUR\nrounding: 2\nregions:\n  eu: rate: 0.2\n',
          'config/other.json': '{"ok": true}',
          'README.md': 'docs',
        },
        commits: [
          {
            sha: 'newer00000000000',
            message: 'Document settings',
            date: '2026-12-01T11:00:00Z',
            files: [
              { path: 'README.md', patch: '@@ -1 +1 @@\n+docs' },
              { path: 'config/other.json', patch: '@@ -1 +1 @@\n+{"ok": true}' },
            ],
          },
          {
            sha: 'yaml0bad00000000',
            message: 'Flatten region rates',
            date: '2026-11-30T11:00:00Z',
            files: [
              {
                path: 'config/settings.yaml',
                patch: '@@ -3,2 +3,2 @@\n regions:\n-  eu: 0.2\n+  eu: rate: 0.2',
              },
            ],
          },
        ],
      },
      'pricing',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('config/settings.yaml');
    expect(said(findings)).toContain('yaml0ba');
    expect(ctx.casebook.suspectFiles[0]).toMatchObject({ path: 'config/settings.yaml', line: 4 });
    expect(ctx.casebook.suspectCommits.map((c) => c.sha)).toEqual(['yaml0bad00000000']);
  });

  it('blames nothing when every recently changed data file parses', async () => {
    const { ctx } = await diagnose(
      {
        ...crashing,
        repo: { 'config/settings.yaml': 'regions:\n  eu: 0.2\n' },
        commits: [
          {
            sha: 'fine000000000000',
            message: 'Rates',
            date: '2026-11-30T11:00:00Z',
            files: [{ path: 'config/settings.yaml', patch: '@@ -1 +1 @@\n+  eu: 0.2' }],
          },
        ],
      },
      'pricing',
    );
    expect(ctx.casebook.suspectCommits.map((c) => c.sha)).not.toContain('fine000000000000');
  });
});

describe('attribution without the image tag as a lead', () => {
  it('a missing ConfigMap key: the commit that renamed the key, not a newer file mentioning the running tag', async () => {
    const { ctx } = await diagnose(
      {
        workloads: {
          api: {
            workload: { kind: 'Deployment', name: 'api' },
            pods: [
              {
                name: 'api-7d9f8b6c4-x2k9p',
                phase: 'Pending',
                ready: '0/1',
                containers: [
                  {
                    name: 'app',
                    image: 'registry.example/api:4.7.1',
                    ready: false,
                    state: 'waiting',
                    reason: 'CreateContainerConfigError',
                    message: "couldn't find key DATABASE_HOST in ConfigMap shop/api-config",
                  },
                ],
              },
            ],
          },
        },
        commits: [
          {
            sha: 'tagdoc0000000000',
            message: 'Release notes for 4.7.1',
            date: '2026-12-01T11:30:00Z',
            files: [
              { path: 'docs/releases.yaml', patch: '@@ -1 +1,2 @@\n+- version: api:4.7.1\n+  date: today' },
            ],
          },
          {
            sha: 'rename0000000000',
            message: 'Config: consistent names',
            date: '2026-11-30T16:00:00Z',
            files: [
              {
                path: 'deploy/api-config.yaml',
                patch: '@@ -5,2 +5,2 @@\n data:\n-  DATABASE_HOST: db.shop\n+  DB_HOST: db.shop',
              },
            ],
          },
        ],
      },
      'api',
    );
    expect(ctx.casebook.suspectCommits.map((c) => c.sha)).toEqual(['rename0000000000']);
  });
});

describe('a Job whose migration fails', () => {
  it('names the migration file the failing id belongs to and the commit that added it', async () => {
    const pod = 'migrate-4-x7k2p';
    const { ctx } = await diagnose(
      {
        workloads: {
          migrate: {
            workload: { kind: 'Job', name: 'migrate' },
            pods: [
              {
                name: pod,
                phase: 'Failed',
                ready: '0/1',
                ownerKind: 'Job',
                ownerName: 'migrate',
                containers: [
                  { name: 'migrate', ready: false, state: 'terminated', reason: 'Error', exitCode: 1 },
                ],
              },
            ],
          },
        },
        logs: {
          [pod]: [
            '2026-12-01T11:50:00Z INFO Applying migration 0042_add_currency_column',
            '2026-12-01T11:50:01Z ERROR migration 0042_add_currency_column failed: column "currency" of relation "orders" already exists',
          ].join('\n'),
        },
        objects: [
          {
            kind: 'Job',
            metadata: { name: 'migrate', namespace: 'shop' },
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
        commits: [
          {
            sha: 'readme0000000000',
            message: 'Docs',
            date: '2026-12-01T11:00:00Z',
            files: [{ path: 'README.md', patch: '@@ -1 +1 @@\n+Run migrations with make migrate' }],
          },
          {
            sha: 'mig0042000000000',
            message: 'Add currency to orders',
            date: '2026-11-30T10:00:00Z',
            files: [
              {
                path: 'migrations/0042_add_currency_column.py',
                patch:
                  '@@ -0,0 +1,3 @@\n+def up(db):\n+    db.execute("ALTER TABLE orders ADD COLUMN currency text")',
              },
            ],
          },
        ],
      },
      'migrate',
    );
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('mig0042000000000');
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('migrations/0042_add_currency_column.py');
  });
});
