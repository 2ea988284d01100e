import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { DNS_SERVER_REFUSED, failureOf } from '../src/llm/offline/targets.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a lookup the cluster DNS Service refuses (rather than times out) means the Service
 * has no ready pod: the DNS pods are down, whatever name the caller looked up.
 */
describe('lookups refused by the DNS server', () => {
  const refused =
    'dial tcp: lookup billing.shop.svc.cluster.local on 10.96.0.10:53: read udp 10.1.2.3:40000->10.96.0.10:53: read: connection refused';

  it('are a DNS failure, not a refused call to the service looked up', () => {
    expect(failureOf(refused)).toBe('dns-timeout');
    expect(DNS_SERVER_REFUSED.test(refused)).toBe(true);
  });

  it('are told apart from lookups that time out and from a refused call to the service itself', () => {
    const timeout =
      'dial tcp: lookup billing on 10.96.0.10:53: read udp 10.1.2.3:40000->10.96.0.10:53: i/o timeout';
    expect(failureOf(timeout)).toBe('dns-timeout');
    expect(DNS_SERVER_REFUSED.test(timeout)).toBe(false);
    const direct = 'dial tcp 10.100.4.7:8080: connect: connection refused';
    expect(failureOf(direct)).toBe('refused');
    expect(DNS_SERVER_REFUSED.test(direct)).toBe(false);
  });
});

describe('the change behind a refused lookup', () => {
  const podName = 'orders-5c6d7e8f9-x1y2z';
  const line =
    '2026-12-01T11:58:00Z ERROR lookup failed: dial tcp: lookup billing.shop.svc.cluster.local on 10.96.0.10:53: read udp 10.1.2.3:40000->10.96.0.10:53: read: connection refused';
  const cluster: FakeCluster = {
    workloads: {
      orders: {
        workload: { kind: 'Deployment', name: 'orders' },
        pods: [{ name: podName, startTime: '2026-11-28T08:00:00Z', containers: [running('orders')] }],
      },
    },
    events: [],
    logs: { [podName]: `${line}\n`.repeat(5) },
    services: { orders: { name: 'orders', namespace: 'shop' } },
    commits: [
      {
        sha: 'ddd4444000000000000000000000000000000000',
        message: 'coredns: stub zone for the office',
        date: '2026-12-01T09:00:00Z',
        files: [
          {
            path: 'clusters/prod/coredns-configmap.yaml',
            patch: '@@ -20,3 +20,6 @@\n     }\n+    corp.example:53 {\n+        cache30\n+    }',
          },
        ],
      },
    ],
  };

  it('says the commit added the lines it quotes, not that it removed them', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'orders', now: '2026-12-01T12:00:00Z' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(said(findings)).toContain('ddd4444');
    expect(said(findings)).toContain('added these lines in clusters/prod/coredns-configmap.yaml');
    expect(said(findings)).not.toContain('removed these lines');
  });

  it('names the commit that wrote the Corefile lines, not a later restart whose diff adds nothing', async () => {
    const restart = {
      sha: 'eee5555000000000000000000000000000000000',
      message: 'coredns: rollout restart after the add-on update',
      date: '2026-12-01T11:30:00Z',
      files: [{ path: 'clusters/prod/coredns-addon.yaml' }],
    };
    const ctx = engineContext(fakeTools({ ...cluster, commits: [restart, ...(cluster.commits ?? [])] }), {
      service: 'orders',
      now: '2026-12-01T12:00:00Z',
    });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('ddd4444000000000000000000000000000000000');
    expect(said(findings)).toContain('cache30');
    expect(said(findings)).not.toMatch(/this line in [^:]+: \./);
  });
});
