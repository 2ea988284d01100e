/**
 * Failure classes a blind set of incidents exposed (issue 11, round 4), each on a minimal
 * hand-built object set: expired credentials, volumes pinned to a zone with no nodes, workloads
 * scaled to zero, sidecars that fail for the app, slow memory leaks, bad config files, CronJob runs
 * that a later run made history, and drains stuck on a PodDisruptionBudget.
 */
import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { supersededRuns } from '../src/llm/offline/facts.js';
import { analyzeLog } from '../src/llm/offline/log-analysis.js';
import {
  expiredCredential,
  expiredSide,
  expiryTime,
  secretUses,
  tlsHost,
} from '../src/llm/offline/rules/credentials.js';
import { budgetTooTight } from '../src/llm/offline/rules/disruption-budget.js';
import { gradualGrowth, scorePatch } from '../src/llm/offline/rules/memory-growth.js';
import { replicasWriter } from '../src/llm/offline/rules/replicas.js';
import { servesPort } from '../src/llm/offline/rules/sidecar.js';
import { DATA_FILE } from '../src/llm/offline/rules/signals.js';
import type { PodInfo } from '../src/llm/offline/tool-data.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

async function diagnose(cluster: FakeCluster, service: string, now = '2026-12-01T12:00:00Z') {
  const ctx = engineContext(fakeTools(cluster), { service, now });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

const podObject = (name: string, spec: Record<string, unknown>) => ({
  kind: 'Pod',
  metadata: { name, namespace: 'shop' },
  spec,
});

describe('expired credentials', () => {
  it('tells an expired certificate from an expired token, and reads the expiry', () => {
    expect(
      expiredCredential('javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_expired'),
    ).toBe('certificate');
    expect(
      expiredCredential(
        'x509: certificate has expired or is not yet valid: current time 2026-12-03T07:00:00Z is after 2026-12-02T23:59:59Z',
      ),
    ).toBe('certificate');
    expect(
      expiredCredential(
        '401 Unauthorized: {"error":"invalid_token","error_description":"The access token expired"}',
      ),
    ).toBe('token');
    expect(expiredCredential('jwt expired')).toBe('token');
    expect(expiredCredential('connection refused')).toBeNull();
    expect(expiryTime('current time 2026-12-03T07:00:00Z is after 2026-12-02T23:59:59Z')).toBe(
      '2026-12-02T23:59:59Z',
    );
    expect(expiryTime('loaded client certificate, valid until 2027-01-31T00:00:00Z')).toBe(
      '2027-01-31T00:00:00Z',
    );
  });

  it('lists the Secrets a pod reads through volumes, projected volumes and env', () => {
    const uses = secretUses(
      podObject('p', {
        volumes: [
          { name: 'tls', secret: { secretName: 'client-tls' } },
          { name: 'bundle', projected: { sources: [{ secret: { name: 'ca-bundle' } }] } },
        ],
        containers: [
          {
            name: 'app',
            volumeMounts: [
              { name: 'tls', mountPath: '/etc/tls' },
              { name: 'bundle', mountPath: '/etc/ca' },
            ],
            env: [
              { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'partner-token', key: 'token' } } },
            ],
            envFrom: [{ secretRef: { name: 'app-env' } }],
          },
        ],
      }),
    );
    expect(uses.map((u) => u.secret)).toEqual(['client-tls', 'ca-bundle', 'partner-token', 'app-env']);
    expect(uses[0]?.mountPath).toBe('/etc/tls');
  });

  it('names the Secret behind an expired token the app reads from env, and does not blame the code', async () => {
    const { findings, ctx } = await diagnose(
      {
        workloads: {
          sync: {
            workload: { kind: 'Deployment', name: 'sync' },
            pods: [{ name: 'sync-6d9f-abcde', containers: [running('sync')] }],
          },
        },
        logs: {
          'sync-6d9f-abcde': [
            '2026-12-01T11:50:00Z ERROR partner call failed: 401 Unauthorized {"error":"token_expired","message":"API token expired on 2026-12-01T00:00:00Z"}',
            '2026-12-01T11:51:00Z ERROR partner call failed: 401 Unauthorized {"error":"token_expired","message":"API token expired on 2026-12-01T00:00:00Z"}',
            '2026-12-01T11:52:00Z ERROR partner call failed: 401 Unauthorized {"error":"token_expired","message":"API token expired on 2026-12-01T00:00:00Z"}',
          ].join('\n'),
        },
        objects: [
          podObject('sync-6d9f-abcde', {
            containers: [
              {
                name: 'sync',
                env: [
                  { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'sync-db', key: 'password' } } },
                  {
                    name: 'PARTNER_API_TOKEN',
                    valueFrom: { secretKeyRef: { name: 'partner-api', key: 'token' } },
                  },
                ],
              },
            ],
          }),
        ],
      },
      'sync',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/expired/);
    expect(said(findings)).toContain('partner-api');
    expect(findings.suggestedFix).toMatch(/rollout restart deployment\/sync/);
    expect(findings.suggestedFix).not.toMatch(/roll back to revision/);
    expect(ctx.casebook.suspectCommits).toEqual([]);
  });
});

describe("a server's expired certificate", () => {
  it("tells our rejected certificate from the server's expired one, and finds the host", () => {
    expect(expiredSide('Received fatal alert: certificate_expired')).toBe('ours');
    expect(expiredSide('tls: failed to verify certificate: x509: certificate has expired')).toBe('theirs');
    expect(
      tlsHost('Get "https://inventory.shop.svc.cluster.local:8443/v1/items": x509: certificate has expired'),
    ).toBe('inventory.shop.svc.cluster.local');
  });

  it('names the Secret the called Service serves its certificate from, not one of the caller', async () => {
    const line =
      'ERROR fetch stock failed: Get "https://inventory.shop.svc.cluster.local:8443/v1/items": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-12-01T11:00:00Z is after 2026-11-30T00:00:00Z';
    const { findings } = await diagnose(
      {
        workloads: {
          web: {
            workload: { kind: 'Deployment', name: 'web' },
            pods: [{ name: 'web-1a2b-c3d4e', containers: [running('web')] }],
          },
        },
        logs: { 'web-1a2b-c3d4e': [line, line, line].join('\n') },
        objects: [
          podObject('web-1a2b-c3d4e', {
            volumes: [{ name: 'ca', secret: { secretName: 'web-client-tls' } }],
            containers: [{ name: 'web', volumeMounts: [{ name: 'ca', mountPath: '/etc/tls' }] }],
          }),
          {
            kind: 'Service',
            metadata: { name: 'inventory', namespace: 'shop' },
            spec: { selector: { app: 'inventory' } },
          },
          {
            kind: 'Pod',
            metadata: { name: 'inventory-5c6d-f7g8h', namespace: 'shop', labels: { app: 'inventory' } },
            spec: {
              volumes: [{ name: 'serving', secret: { secretName: 'inventory-serving-cert' } }],
              containers: [
                { name: 'inventory', volumeMounts: [{ name: 'serving', mountPath: '/etc/inventory/tls' }] },
              ],
            },
          },
        ],
      },
      'web',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('inventory-serving-cert');
    expect(said(findings)).toContain('2026-11-30T00:00:00Z');
    expect(said(findings)).not.toContain('web-client-tls');
  });
});

describe('a volume pinned to a zone no node is in', () => {
  it('follows the pod to its claim and PersistentVolume and names the zone against the nodes', async () => {
    const node = (name: string, zone: string) => ({
      kind: 'Node',
      metadata: { name, labels: { 'topology.kubernetes.io/zone': zone } },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const { findings } = await diagnose(
      {
        workloads: {
          db: {
            workload: { kind: 'StatefulSet', name: 'db' },
            pods: [{ name: 'db-0', phase: 'Pending', ready: '0/1', containers: [] }],
          },
        },
        events: [
          {
            type: 'Warning',
            reason: 'FailedScheduling',
            object: 'Pod/db-0',
            count: 12,
            message: '0/2 nodes are available: 2 node(s) had volume node affinity conflict.',
          },
        ],
        objects: [
          podObject('db-0', {
            volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }],
          }),
          {
            kind: 'PersistentVolumeClaim',
            metadata: { name: 'data-db-0', namespace: 'shop' },
            spec: { volumeName: 'pv-123' },
          },
          {
            kind: 'PersistentVolume',
            metadata: { name: 'pv-123' },
            spec: {
              nodeAffinity: {
                required: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-c'] },
                      ],
                    },
                  ],
                },
              },
            },
          },
          node('n1', 'zone-a'),
          node('n2', 'zone-b'),
          { ...node('n3', 'zone-c'), spec: { unschedulable: true } },
          {
            ...node('cp1', 'zone-c'),
            spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
          },
        ],
      },
      'db',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('pv-123');
    expect(said(findings)).toContain('zone-c');
    expect(findings.rootCause.statement).toContain('zone-a, zone-b');
    expect(findings.suggestedFix).toMatch(/Do not delete claim data-db-0/);
  });
});

describe('a workload scaled to zero', () => {
  it('reads who wrote spec.replicas from managedFields', () => {
    const scaled = {
      metadata: {
        managedFields: [
          {
            manager: 'argocd-controller',
            operation: 'Apply',
            time: '2026-11-01T00:00:00Z',
            fieldsV1: { 'f:spec': { 'f:replicas': {} } },
          },
          {
            manager: 'kubectl-scale',
            operation: 'Update',
            subresource: 'scale',
            time: '2026-12-01T10:00:00Z',
            fieldsV1: { 'f:spec': { 'f:replicas': {} } },
          },
        ],
      },
    };
    expect(replicasWriter(scaled)?.who).toMatch(/kubectl scale/);
    expect(replicasWriter(scaled)?.time).toBe('2026-12-01T10:00:00Z');
    const hpa = {
      metadata: {
        managedFields: [
          {
            manager: 'kube-controller-manager',
            operation: 'Update',
            subresource: 'scale',
            time: 't',
            fieldsV1: { 'f:spec': { 'f:replicas': {} } },
          },
        ],
      },
    };
    expect(replicasWriter(hpa)?.who).toMatch(/HorizontalPodAutoscaler/);
    expect(replicasWriter({ metadata: {} })).toBeNull();
  });

  it('finds the Deployment behind a Service with no pods, says who scaled it and to how many to restore', async () => {
    const { findings, ctx } = await diagnose(
      {
        workloads: { thumbs: { workload: { kind: 'Service', name: 'thumbs' }, pods: [] } },
        events: [
          {
            type: 'Normal',
            reason: 'ScalingReplicaSet',
            object: 'Deployment/thumbnailer',
            message: 'Scaled down replica set thumbnailer-7d9f8c from 4 to 0',
            lastTimestamp: '2026-12-01T11:00:00Z',
          },
        ],
        objects: [
          {
            kind: 'Service',
            metadata: { name: 'thumbs', namespace: 'shop' },
            spec: { selector: { app: 'thumbnailer' } },
          },
          {
            kind: 'Deployment',
            metadata: {
              name: 'thumbnailer',
              namespace: 'shop',
              managedFields: [
                {
                  manager: 'kubectl-scale',
                  operation: 'Update',
                  subresource: 'scale',
                  time: '2026-12-01T11:00:00Z',
                  fieldsV1: { 'f:spec': { 'f:replicas': {} } },
                },
              ],
            },
            spec: { replicas: 0, template: { metadata: { labels: { app: 'thumbnailer' } } } },
          },
        ],
        commits: [
          {
            sha: 'aaaaaaa1111111',
            message: 'thumbnailer: bump base image',
            date: '2026-11-30T09:00:00Z',
            files: [{ path: 'deploy/thumbnailer.yaml', patch: '@@ -1 +1 @@\n-image: t:1\n+image: t:2' }],
          },
        ],
      },
      'thumbs',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('Deployment thumbnailer');
    expect(said(findings)).toMatch(/kubectl scale/);
    expect(findings.suggestedFix).toContain('--replicas=4');
    expect(ctx.casebook.suspectCommits).toEqual([]);
  });
});

describe('a sidecar that fails for the app', () => {
  it('knows which container serves a loopback port', () => {
    expect(servesPort({ name: 'proxy', args: ['--port=5432', 'p:r:i'] }, 5432)).toBe(true);
    expect(servesPort({ name: 'envoy', ports: [{ containerPort: 15001 }] }, 15001)).toBe(true);
    expect(servesPort({ name: 'redis', args: ['--bind', '127.0.0.1:6379'] }, 6379)).toBe(true);
    expect(servesPort({ name: 'app', ports: [{ containerPort: 8080 }] }, 5432)).toBe(false);
  });

  it("names the sidecar and the configuration value its own error quotes, not the app's exception", async () => {
    const { findings } = await diagnose(
      {
        workloads: {
          orders: {
            workload: { kind: 'Deployment', name: 'orders' },
            pods: [
              {
                name: 'orders-5b7d-t8mzp',
                ready: '1/2',
                restarts: 4,
                containers: [
                  {
                    name: 'app',
                    ready: false,
                    restartCount: 4,
                    state: 'waiting',
                    reason: 'CrashLoopBackOff',
                    lastTermination: { reason: 'Error', exitCode: 1 },
                  },
                  running('db-proxy'),
                ],
              },
            ],
          },
        },
        logs: {
          'orders-5b7d-t8mzp':
            'psycopg.OperationalError: connection failed: connection to server at "127.0.0.1", port 5432 failed: server closed the connection unexpectedly',
          'orders-5b7d-t8mzp.previous':
            'psycopg.OperationalError: connection failed: connection to server at "127.0.0.1", port 5432 failed: server closed the connection unexpectedly',
          'orders-5b7d-t8mzp.db-proxy': [
            '{"severity":"INFO","timestamp":"2026-12-01T11:00:00Z","message":"[proj:eu-west1:orders] Listening on 127.0.0.1:5432"}',
            '{"severity":"ERROR","timestamp":"2026-12-01T11:00:05Z","message":"[proj:eu-west1:orders] failed to connect to instance: Config error: provided region was mismatched - got eu-west1, want eu-west2"}',
          ].join('\n'),
        },
        objects: [
          podObject('orders-5b7d-t8mzp', {
            containers: [
              { name: 'app', env: [{ name: 'DB_HOST', value: '127.0.0.1' }] },
              { name: 'db-proxy', args: ['--structured-logs', '--port=5432', 'proj:eu-west1:orders'] },
            ],
          }),
        ],
      },
      'orders',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('db-proxy');
    expect(said(findings)).toContain('proj:eu-west1:orders');
    expect(said(findings)).toMatch(/region was mismatched/);
    expect(findings.rootCause.statement).not.toMatch(/comes from env DB_HOST/);
  });
});

describe('a native sidecar that crashes', () => {
  it("reads the sidecar's previous log when it restarts, and names it", async () => {
    const { findings } = await diagnose(
      {
        workloads: {
          cart: {
            workload: { kind: 'Deployment', name: 'cart' },
            pods: [{ name: 'cart-6f7d-k2x9q', containers: [running('cart')] }],
          },
        },
        logs: {
          'cart-6f7d-k2x9q': [1, 2, 3]
            .map(
              (i) =>
                `2026-12-01T11:5${i}:00Z ERROR redis: dial tcp 127.0.0.1:6379: connect: connection refused`,
            )
            .join('\n'),
          'cart-6f7d-k2x9q.redis-tunnel': '',
          'cart-6f7d-k2x9q.redis-tunnel.previous':
            '2026-12-01T11:50:00Z FATAL tunnel: cannot read key file /etc/tunnel/id_ed25519: no such file or directory',
        },
        objects: [
          podObject('cart-6f7d-k2x9q', {
            initContainers: [
              { name: 'redis-tunnel', restartPolicy: 'Always', args: ['--listen=127.0.0.1:6379'] },
            ],
            containers: [{ name: 'cart' }],
          }),
        ],
      },
      'cart',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('redis-tunnel');
    expect(said(findings)).toContain('id_ed25519');
  });
});

describe('a slow memory leak', () => {
  const oomPod = (name: string, hours: number, restarts: number) => ({
    name,
    restarts,
    startTime: '2026-11-29T08:00:00Z',
    containers: [
      running('api', {
        restartCount: restarts,
        resources: { limits: { memory: '512Mi' }, requests: { memory: '256Mi' } },
        lastTermination: {
          reason: 'OOMKilled',
          exitCode: 137,
          startedAt: new Date(Date.parse('2026-12-01T10:00:00Z') - hours * 3600_000).toISOString(),
          finishedAt: '2026-12-01T10:00:00Z',
        },
      }),
    ],
  });

  it('calls kills after hours of running, or a logged figure that climbs, gradual; a start-up spike not', () => {
    const c = (hours: number) => oomPod('p', hours, 3).containers[0] as never;
    expect(gradualGrowth([c(6)], [])?.hoursBeforeKill[0]).toBeCloseTo(6);
    expect(gradualGrowth([c(0.05)], [])).toBeNull();
    const climbing = ['120', '180', '260', '330', '410']
      .map((mb, i) => `{"level":30,"time":${1764590000000 + i * 600000},"msg":"runtime stats","rssMb":${mb}}`)
      .join('\n');
    const log = { pod: 'p', previous: true, text: climbing, analysis: analyzeLog(climbing) };
    expect(gradualGrowth([c(0.05)], [log])?.logged).toEqual({ key: 'rssMb', from: 120, to: 410 });
  });

  it('scores added code that keeps memory in Go, Java and Python, and not code that bounds it', () => {
    const go =
      '@@\n+var sessions = map[string]*Session{}\n+func track(id string, s *Session) {\n+\tsessions[id] = s\n+}';
    const java =
      '@@\n+    private static final Map<String, Quote> QUOTES = new HashMap<>();\n+        QUOTES.put(symbol, quote);';
    const python = '@@\n+_seen = {}\n+def remember(key, value):\n+    _seen[key] = value';
    const bounded =
      '@@\n+const avatars = new Map<string, string>();\n+avatars.set(k, v);\n+if (avatars.size > maxSize) avatars.delete(oldest);';
    const plain = '@@\n+  return price * quantity;';
    for (const patch of [go, java, python]) expect(scorePatch(patch).score, patch).toBeGreaterThanOrEqual(4);
    expect(scorePatch(bounded).score).toBe(0);
    expect(scorePatch(plain).score).toBe(0);
  });

  it('names the commit and source file that keep memory without a bound, not only "raise the limit"', async () => {
    const { findings, ctx } = await diagnose(
      {
        workloads: {
          feed: {
            workload: { kind: 'Deployment', name: 'feed' },
            pods: [oomPod('feed-7f4d-8xkqp', 7, 6), oomPod('feed-7f4d-g2nvd', 8, 5)],
          },
        },
        logs: {
          'feed-7f4d-8xkqp': '{"level":30,"msg":"request completed"}',
          'feed-7f4d-8xkqp.previous': '{"level":30,"msg":"request completed"}',
          'feed-7f4d-g2nvd': '{"level":30,"msg":"request completed"}',
          'feed-7f4d-g2nvd.previous': '{"level":30,"msg":"request completed"}',
        },
        commits: [
          {
            sha: 'bbbbbbb2222222',
            message: 'docs: ranking',
            date: '2026-11-29T12:00:00Z',
            files: [{ path: 'README.md', patch: '@@ -1 +1 @@\n-a\n+b' }],
          },
          {
            sha: 'ccccccc3333333',
            message: 'feed: memoise rendered cards',
            date: '2026-11-29T07:30:00Z',
            files: [
              {
                path: 'src/feed/card-cache.ts',
                patch:
                  '@@ -0,0 +1,6 @@\n+const cards = new Map<string, Card>();\n+export function cached(key: string, make: () => Card) {\n+  const hit = cards.get(key);\n+  if (hit) return hit;\n+  const card = make();\n+  cards.set(key, card);\n+  return card;\n+}',
              },
            ],
          },
          {
            sha: 'ddddddd4444444',
            message: 'feed: bounded LRU for avatars',
            date: '2026-11-28T07:30:00Z',
            files: [
              {
                path: 'src/feed/avatars.ts',
                patch:
                  '@@ -0,0 +1,3 @@\n+const avatars = new Map<string, string>();\n+avatars.set(k, v);\n+if (avatars.size > maxSize) avatars.delete(oldest);',
              },
            ],
          },
        ],
      },
      'feed',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/leak/);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('src/feed/card-cache.ts');
    expect(ctx.casebook.suspectCommits.map((c) => c.sha)).toEqual(['ccccccc3333333']);
    expect(findings.suggestedFix).toMatch(/Bound what src\/feed\/card-cache.ts keeps/);
  });
});

describe('a bad value in a config file outside src', () => {
  it('counts env, conf and dotenv files as data', () => {
    for (const path of [
      'deploy/base/flags.env',
      'config/app.conf',
      '.env.production',
      'etc/limits.cfg',
      'data/rates.csv',
    ])
      expect(DATA_FILE.test(path), path).toBe(true);
    expect(DATA_FILE.test('src/main.go')).toBe(false);
  });

  it("keeps a zap fatal line's message when its stacktrace has only frames", () => {
    const line =
      '{"level":"fatal","ts":"2026-12-03T09:19:31.403Z","msg":"invalid configuration","error":"PARTNER_BURST: strconv.Atoi: parsing \\"1_200\\": invalid syntax","stacktrace":"main.main\\n\\t/src/cmd/gateway/main.go:45\\nruntime.main\\n\\t/usr/local/go/src/runtime/proc.go:272"}';
    const [s] = analyzeLog(line).signatures;
    expect(s?.message).toContain('parsing "1_200"');
    expect(s?.appFrame?.file).toContain('cmd/gateway/main.go');
  });
});

describe('a CronJob run that a later run made history', () => {
  const jobPod = (name: string, job: string, phase: string, start: string): PodInfo => ({
    name,
    phase,
    ownerKind: 'Job',
    ownerName: job,
    startTime: start,
    labels: {},
    conditions: [],
    containers: [{ name: 'job', state: 'terminated', exitCode: phase === 'Succeeded' ? 0 : 1 }],
  });

  it('treats a failed attempt as history once its Job or a later scheduled run succeeded', () => {
    const stale = supersededRuns([
      jobPod('r-29938110-a', 'r-29938110', 'Failed', '1'),
      jobPod('r-29938140-b', 'r-29938140', 'Succeeded', '2'),
      jobPod('once-x', 'once', 'Failed', '1'),
      jobPod('once-y', 'once', 'Succeeded', '2'),
      jobPod('other-z', 'other', 'Failed', '3'),
    ]);
    expect([...stale].sort()).toEqual(['once-x', 'r-29938110-a']);
  });

  it('reports healthy, naming the later run, without reading the failed run as the incident', async () => {
    const pod = (name: string, job: string, phase: string, start: string) => ({
      name,
      phase,
      ready: '0/1',
      ownerKind: 'Job',
      ownerName: job,
      startTime: start,
      containers: [
        {
          name: 'job',
          ready: false,
          state: 'terminated',
          exitCode: phase === 'Succeeded' ? 0 : 1,
          finishedAt: start.replace(':00Z', ':40Z'),
        },
      ],
    });
    const { findings, ctx } = await diagnose(
      {
        workloads: {
          reminders: {
            workload: { kind: 'CronJob', name: 'reminders' },
            pods: [
              pod('reminders-29938110-5mzfc', 'reminders-29938110', 'Failed', '2026-12-01T11:00:00Z'),
              pod('reminders-29938140-tb9rl', 'reminders-29938140', 'Succeeded', '2026-12-01T11:30:00Z'),
            ],
          },
        },
        events: [
          {
            type: 'Warning',
            reason: 'BackoffLimitExceeded',
            object: 'Job/reminders-29938110',
            message: 'Job has reached the specified backoff limit',
            lastTimestamp: '2026-12-01T11:01:00Z',
          },
        ],
        logs: {
          'reminders-29938110-5mzfc':
            'Traceback (most recent call last):\n  File "/app/db.py", line 4, in c\nOperationalError: the database system is in recovery mode',
          'reminders-29938140-tb9rl': '2026-12-01T11:30:41Z INFO sent 214 reminders',
        },
      },
      'reminders',
    );
    expect(findings.status).toBe('healthy');
    expect(said(findings)).toContain('reminders-29938140');
    expect(said(findings)).toContain('reminders-29938110');
    expect(ctx.casebook.gaps).toEqual([]);
  });

  it('judges the CronJob when the alert names the failed Job of one run', async () => {
    const failedPod = {
      name: 'reminders-29938110-5mzfc',
      phase: 'Failed',
      ready: '0/1',
      ownerKind: 'Job',
      ownerName: 'reminders-29938110',
      startTime: '2026-12-01T11:00:00Z',
      containers: [{ name: 'job', ready: false, state: 'terminated', reason: 'Error', exitCode: 1 }],
    };
    const laterPod = {
      name: 'reminders-29938140-tb9rl',
      phase: 'Succeeded',
      ready: '0/1',
      ownerKind: 'Job',
      ownerName: 'reminders-29938140',
      startTime: '2026-12-01T11:30:00Z',
      containers: [
        { name: 'job', ready: false, state: 'terminated', exitCode: 0, finishedAt: '2026-12-01T11:30:40Z' },
      ],
    };
    const { findings } = await diagnose(
      {
        workloads: {
          'reminders-29938110': { workload: { kind: 'Job', name: 'reminders-29938110' }, pods: [failedPod] },
          reminders: { workload: { kind: 'CronJob', name: 'reminders' }, pods: [failedPod, laterPod] },
        },
        logs: {
          'reminders-29938110-5mzfc': 'ERROR the database system is in recovery mode',
          'reminders-29938140-tb9rl': '2026-12-01T11:30:41Z INFO sent 214 reminders',
        },
        objects: [
          {
            kind: 'Job',
            metadata: {
              name: 'reminders-29938110',
              namespace: 'shop',
              ownerReferences: [{ kind: 'CronJob', name: 'reminders' }],
            },
          },
        ],
      },
      'reminders-29938110',
    );
    expect(findings.status).toBe('healthy');
    expect(said(findings)).toContain('reminders-29938140');
  });

  it('stays a failure when the newest run failed too', async () => {
    const failed = (name: string, job: string, start: string) => ({
      name,
      phase: 'Failed',
      ready: '0/1',
      ownerKind: 'Job',
      ownerName: job,
      startTime: start,
      containers: [{ name: 'job', ready: false, state: 'terminated', reason: 'Error', exitCode: 1 }],
    });
    const { findings } = await diagnose(
      {
        workloads: {
          reminders: {
            workload: { kind: 'CronJob', name: 'reminders' },
            pods: [
              failed('reminders-29938110-5mzfc', 'reminders-29938110', '2026-12-01T11:00:00Z'),
              failed('reminders-29938140-tb9rl', 'reminders-29938140', '2026-12-01T11:30:00Z'),
            ],
          },
        },
        logs: {
          'reminders-29938110-5mzfc': 'ERROR smtp relay refused the connection',
          'reminders-29938140-tb9rl': 'ERROR smtp relay refused the connection',
        },
      },
      'reminders',
    );
    expect(findings.status).not.toBe('healthy');
  });
});

describe('a drain stuck on a PodDisruptionBudget', () => {
  it('says why a budget can never allow an eviction', () => {
    const pdb = (spec: Record<string, unknown>, expectedPods = 2) => ({ spec, status: { expectedPods } });
    expect(budgetTooTight(pdb({ minAvailable: 2 }))).toBe('minAvailable: 2 with 2 pod(s) expected');
    expect(budgetTooTight(pdb({ maxUnavailable: 0 }))).toBe('maxUnavailable: 0');
    expect(budgetTooTight(pdb({ minAvailable: '100%' }))).toBe('minAvailable: 100%');
    expect(budgetTooTight(pdb({ minAvailable: 1 }))).toBeNull();
  });

  const cluster = (disruptionsAllowed: number): FakeCluster => ({
    workloads: {
      ledger: {
        workload: { kind: 'Deployment', name: 'ledger' },
        pods: [
          {
            name: 'ledger-6d5f-q7kzw',
            node: 'node-a',
            labels: { app: 'ledger' },
            containers: [running('ledger')],
          },
          {
            name: 'ledger-6d5f-x2fpl',
            node: 'node-b',
            labels: { app: 'ledger' },
            containers: [running('ledger')],
          },
        ],
      },
    },
    events: [
      {
        type: 'Warning',
        reason: 'EvictionBlocked',
        object: 'Pod/ledger-6d5f-q7kzw',
        count: 40,
        message: "Cannot evict pod as it would violate the pod's disruption budget.",
        lastTimestamp: '2026-12-01T11:58:00Z',
      },
    ],
    logs: { 'ledger-6d5f-q7kzw': 'INFO ok', 'ledger-6d5f-x2fpl': 'INFO ok' },
    objects: [
      {
        kind: 'PodDisruptionBudget',
        metadata: { name: 'ledger-pdb', namespace: 'shop' },
        spec: { minAvailable: 2, selector: { matchLabels: { app: 'ledger' } } },
        status: { disruptionsAllowed, currentHealthy: 2, desiredHealthy: 2, expectedPods: 2 },
      },
    ],
  });

  it('names the budget, its minAvailable and the pod and node the drain is stuck on', async () => {
    const { findings } = await diagnose(cluster(0), 'ledger');
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('PodDisruptionBudget ledger-pdb');
    expect(said(findings)).toContain('minAvailable: 2 with 2 pod(s) expected');
    expect(said(findings)).toContain('node-a');
    expect(findings.suggestedFix).toMatch(/maxUnavailable: 1/);
  });

  it('finds the drained node from the nodes themselves when no eviction event was kept', async () => {
    const quiet = { ...cluster(0), events: [] };
    quiet.objects = [
      ...(quiet.objects ?? []),
      {
        kind: 'Node',
        metadata: { name: 'node-a' },
        spec: { taints: [{ key: 'karpenter.sh/disrupted', effect: 'NoSchedule' }] },
      },
      { kind: 'Node', metadata: { name: 'node-b' }, spec: {} },
    ];
    const ctx = engineContext(fakeTools(quiet), {
      service: 'ledger',
      text: 'NodeDrainStuck: node node-a has been draining for 90m',
    });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('PodDisruptionBudget ledger-pdb');
    expect(said(findings)).toContain('node-a');
  });

  it('does not blame a budget that allows a disruption', async () => {
    const { findings } = await diagnose(cluster(1), 'ledger');
    expect(said(findings)).not.toContain('PodDisruptionBudget ledger-pdb');
  });
});
