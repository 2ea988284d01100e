import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a backing server that ran out of memory or disk tells its clients so (RabbitMQ's
 * connection.blocked, Redis's OOM and MISCONF errors, Elasticsearch's flood-stage block); the
 * client's timeouts and rejected writes are the symptom and the server's resource the cause.
 */
describe('a backing server out of a resource', () => {
  const caller = 'orders-7c9d8e6f5-abcde';

  it('names the broker behind publish timeouts when it blocks publishers for low memory, found by its image', async () => {
    const cluster: FakeCluster = {
      workloads: {
        orders: {
          workload: { kind: 'Deployment', name: 'orders' },
          pods: [{ name: caller, containers: [running('orders')] }],
        },
        broker: {
          workload: { kind: 'StatefulSet', name: 'broker' },
          pods: [
            {
              name: 'broker-0',
              ownerKind: 'StatefulSet',
              ownerName: 'broker',
              containers: [
                running('rabbitmq', {
                  image: 'rabbitmq:3.13-management',
                  resources: { limits: { memory: '2Gi' } },
                }),
              ],
            },
          ],
        },
      },
      logs: {
        [caller]: [
          'level=warn msg="publisher connection blocked" reason="low on memory"',
          ...Array.from(
            { length: 4 },
            () => 'level=error msg="publish order.created failed" err="timeout waiting for confirm"',
          ),
        ].join('\n'),
        'broker-0': [
          '2026-12-01 10:00:00.000000+00:00 [info] <0.1.0> Memory high watermark set to 819 MiB of 2048 MiB total',
          "2026-12-01 11:00:00.000000+00:00 [warning] <0.2.0> memory resource limit alarm set on node 'rabbit@broker-0'.",
        ].join('\n'),
      },
      objects: [
        {
          kind: 'Pod',
          metadata: {
            name: 'broker-0',
            namespace: 'shop',
            ownerReferences: [{ kind: 'StatefulSet', name: 'broker', controller: true }],
          },
          spec: { containers: [{ name: 'rabbitmq', image: 'rabbitmq:3.13-management' }] },
        },
      ],
    };
    const ctx = engineContext(fakeTools(cluster), { service: 'orders' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/RabbitMQ \(broker\) is out of memory/);
    expect(said(findings)).toContain('memory resource limit alarm set');
    expect(said(findings)).toContain('2Gi');
    expect(ctx.casebook.suspectCommits).toEqual([]);
  });

  it('follows a Redis OOM error to the Redis its address names', async () => {
    const cluster: FakeCluster = {
      workloads: {
        sessions: {
          workload: { kind: 'Deployment', name: 'sessions' },
          pods: [{ name: caller, containers: [running('sessions')] }],
        },
        'session-cache': {
          workload: { kind: 'StatefulSet', name: 'session-cache' },
          pods: [{ name: 'session-cache-0', containers: [running('redis', { image: 'redis:7.4' })] }],
        },
      },
      logs: {
        [caller]: [
          'INFO connected to redis at session-cache:6379',
          ...Array.from(
            { length: 5 },
            () => "ERROR store session failed: OOM command not allowed when used memory > 'maxmemory'.",
          ),
        ].join('\n'),
        'session-cache-0': '1:M 01 Dec 2026 11:00:00.000 * Ready to accept connections tcp\n',
      },
    };
    const ctx = engineContext(fakeTools(cluster), { service: 'sessions' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/Redis \(session-cache\) is out of memory/);
    expect(said(findings)).toContain('maxmemory');
  });

  it('names the commit that took the expiry off the keys that filled the server', async () => {
    const cluster: FakeCluster = {
      workloads: {
        carts: {
          workload: { kind: 'Deployment', name: 'carts' },
          pods: [{ name: caller, containers: [running('carts')] }],
        },
        kv: {
          workload: { kind: 'StatefulSet', name: 'kv' },
          pods: [{ name: 'kv-0', containers: [running('valkey', { image: 'valkey/valkey:8.0' })] }],
        },
      },
      logs: {
        [caller]: Array.from(
          { length: 6 },
          () =>
            "redis.exceptions.ResponseError: OOM command not allowed when used memory > 'maxmemory'. (host kv.shop.svc:6379)",
        ).join('\n'),
        'kv-0': '1:M 01 Dec 2026 09:00:00.000 * Ready to accept connections tcp\n',
      },
      commits: [
        {
          sha: 'c'.repeat(40),
          message: 'docs: cache notes',
          date: '2026-11-30T12:00:00Z',
          files: [{ path: 'README.md', patch: '@@ -1 +1 @@\n-a\n+b' }],
        },
        {
          sha: 'd'.repeat(40),
          message: 'carts: keep abandoned carts for analytics',
          date: '2026-11-29T12:00:00Z',
          files: [
            {
              path: 'carts/store.py',
              patch:
                '@@ -10,2 +10,2 @@\n-    r.set(key, payload, ex=CART_TTL_SECONDS)\n+    r.set(key, payload)',
            },
          ],
        },
      ],
    };
    const ctx = engineContext(fakeTools(cluster), { service: 'carts' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(said(findings)).toMatch(/Redis \(kv\) is out of memory/);
    expect(ctx.casebook.suspectCommits.map((c) => c.sha)).toEqual(['d'.repeat(40)]);
    expect(ctx.casebook.suspectFiles.map((f) => f.path)).toEqual(['carts/store.py']);
    expect(said(findings)).toContain('r.set(key, payload, ex=CART_TTL_SECONDS)');
  });

  it('leaves the server itself to the other rules: its own log of the alarm is not a client being told', async () => {
    const cluster: FakeCluster = {
      workloads: {
        cache: {
          workload: { kind: 'StatefulSet', name: 'cache' },
          pods: [{ name: 'cache-0', containers: [running('redis', { image: 'redis:7.4' })] }],
        },
      },
      logs: {
        'cache-0': Array.from(
          { length: 4 },
          () => "1:M 01 Dec 2026 11:00:00.000 # -OOM command not allowed when used memory > 'maxmemory'.",
        ).join('\n'),
      },
    };
    const ctx = engineContext(fakeTools(cluster), { service: 'cache' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(said(findings)).not.toMatch(/its Redis/);
  });
});
