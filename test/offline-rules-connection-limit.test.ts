import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a database that answers "too many connections" is full, not down: its connection
 * limit is used up by the sum of its clients (pods × processes × pool), so the change that
 * multiplied one factor is the culprit and the server's configured limit is what it passed.
 */
const SHA = 'abcdef0123456789abcdef0123456789abcdef01';

function pods(prefix: string, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    name: `${prefix}-7c9d8f6b5-${'abcdefgh'[i]}x${i}q`,
    containers: [running(prefix)],
  }));
}

function mysqlCluster(): FakeCluster {
  const client = pods('basket-api', 4);
  const refused =
    '{"level":"error","time":"2026-12-01T11:40:00.000Z","msg":"query failed","err":"Error: Too many connections","code":"ER_CON_COUNT_ERROR","errno":1040}';
  return {
    workloads: { 'basket-api': { workload: { kind: 'Deployment', name: 'basket-api' }, pods: client } },
    logs: Object.fromEntries(client.map((p) => [p.name, `${refused}\n${refused}\n`])),
    objects: [
      ...client.map((p) => ({
        kind: 'Pod',
        metadata: { name: p.name, namespace: 'shop' },
        spec: { containers: [{ name: 'basket-api', image: 'registry.example/basket-api:2.3', env: [] }] },
      })),
      {
        kind: 'Pod',
        metadata: {
          name: 'carts-db-0',
          namespace: 'shop',
          ownerReferences: [{ kind: 'StatefulSet', name: 'carts-db' }],
        },
        spec: {
          containers: [{ name: 'mysql', image: 'mysql:8.4', args: ['--max-connections=150'] }],
        },
      },
    ],
    commits: [
      {
        sha: SHA,
        message: 'db: bigger pool for the checkout burst',
        date: '2026-12-01T09:00:00Z',
        files: [
          {
            path: 'src/db/pool.ts',
            patch: [
              '@@ -3,6 +3,6 @@ export const pool = mysql.createPool({',
              '   host: process.env.DB_HOST,',
              '   waitForConnections: true,',
              '-  connectionLimit: 10,',
              '+  connectionLimit: 50,',
              '   queueLimit: 0,',
            ].join('\n'),
          },
        ],
      },
      {
        sha: '1111111111111111111111111111111111111111',
        message: 'docs: readme',
        date: '2026-12-01T10:00:00Z',
        files: [{ path: 'README.md', patch: '@@ -1 +1 @@\n-old\n+new' }],
      },
    ],
  };
}

async function diagnose(c: FakeCluster, service: string) {
  const ctx = engineContext(fakeTools(c), { service });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

describe('a database out of connection slots', () => {
  it('sums a Node pool raise across the pods against MySQL max-connections and names the commit', async () => {
    const { findings, ctx } = await diagnose(mysqlCluster(), 'basket-api');
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toMatch(/MySQL \(carts-db\) has reached max_connections 150/);
    expect(text).toMatch(/4 pods × 50 connections each/);
    expect(text).toMatch(/connectionLimit 10 → 50/);
    expect(ctx.casebook.evidence[0]?.detail).toMatch(/Too many connections/);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(SHA);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('src/db/pool.ts');
    expect(findings.suggestedFix).toMatch(/connectionLimit back to 10/);
  });

  it('reads a PostgreSQL limit from its ConfigMap and blames the replica bump', async () => {
    const client = pods('fares', 3);
    const refused =
      'time=2026-12-01T11:41:00Z level=error msg="lookup failed" err="pq: remaining connection slots are reserved for non-replication superuser connections"';
    const c: FakeCluster = {
      workloads: { fares: { workload: { kind: 'Deployment', name: 'fares' }, pods: client } },
      logs: Object.fromEntries(client.map((p) => [p.name, `${refused}\n${refused}\n${refused}\n`])),
      objects: [
        ...client.map((p) => ({
          kind: 'Pod',
          metadata: { name: p.name, namespace: 'shop' },
          spec: {
            containers: [
              {
                name: 'fares',
                image: 'registry.example/fares:9',
                env: [{ name: 'DB_MAX_OPEN_CONNS', value: '40' }],
              },
            ],
          },
        })),
        {
          kind: 'ConfigMap',
          metadata: { name: 'fares-pg-settings', namespace: 'shop' },
          data: {
            'custom.conf':
              '#max_connections = 100\nmax_connections = 120\nsuperuser_reserved_connections = 3\n',
          },
        },
      ],
      commits: [
        {
          sha: SHA,
          message: 'scale fares for the timetable change',
          date: '2026-12-01T08:00:00Z',
          files: [
            {
              path: 'deploy/overlays/prod/fares.yaml',
              patch: '@@ -5,3 +5,3 @@ metadata:\n spec:\n-  replicas: 2\n+  replicas: 3\n   template:',
            },
          ],
        },
      ],
    };
    const { findings, ctx } = await diagnose(c, 'fares');
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toMatch(/PostgreSQL has reached max_connections 120/);
    expect(text).toMatch(
      /3 pods × 40 connections each \(DB_MAX_OPEN_CONNS=40\) = 120 connections against the 117/,
    );
    expect(text).toMatch(/replicas 2 → 3/);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(SHA);
  });

  it('does not read one stray refusal as the cause', async () => {
    const c = mysqlCluster();
    const first = Object.keys(c.logs ?? {})[0] ?? '';
    c.logs = { [first]: '{"level":"error","msg":"query failed","err":"Error: Too many connections"}\n' };
    const { findings } = await diagnose(c, 'basket-api');
    expect(said(findings)).not.toMatch(/has reached max_connections/);
  });
});
