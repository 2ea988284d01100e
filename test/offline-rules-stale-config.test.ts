import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: pods that fail on a value a later change replaced, and that started before that
 * change, run with stale configuration (environment variables are read at container start):
 * the fix is a restart, not a revert.
 */
const pod = 'orders-5c6d7e8f9-x1y2z';

const HOST_LINE =
  '2026-12-01T11:58:00Z ERROR could not connect: dial tcp: lookup old-db.shop.svc.cluster.local: no such host';
const HOST_PATCH =
  '@@ -3,1 +3,1 @@\n-  DB_HOST: old-db.shop.svc.cluster.local\n+  DB_HOST: orders-db.shop.svc.cluster.local';

function cluster(
  podStarted: string,
  file = 'k8s/orders/configmap.yaml',
  line = HOST_LINE,
  patch = HOST_PATCH,
): FakeCluster {
  return {
    workloads: {
      orders: {
        workload: { kind: 'Deployment', name: 'orders' },
        pods: [{ name: pod, startTime: podStarted, containers: [running('orders')] }],
      },
    },
    events: [],
    logs: { [pod]: `${line}\n`.repeat(5) },
    services: { orders: { name: 'orders', namespace: 'shop' } },
    commits: [
      {
        sha: 'ccc3333000000000000000000000000000000000',
        message: 'orders: move to the new database',
        date: '2026-12-01T09:00:00Z',
        files: [
          {
            path: file,
            patch,
          },
        ],
      },
    ],
  };
}

async function diagnose(c: FakeCluster) {
  const ctx = engineContext(fakeTools(c), { service: 'orders', now: '2026-12-01T12:00:00Z' });
  return new OfflineEngine().diagnose(ctx);
}

describe('configuration changed without a restart', () => {
  it('says the pods still run with the replaced value and need a restart', async () => {
    const findings = await diagnose(cluster('2026-11-28T08:00:00Z'));
    expect(findings.status).toBe('diagnosed');
    expect(findings.summary).toContain('still uses the old DB_HOST');
    expect(said(findings)).toContain('orders-db.shop.svc.cluster.local');
    expect(findings.suggestedFix).toContain('kubectl rollout restart deployment/orders -n shop');
  });

  it('is not stale when the pods started after the change, or when the change is to the workload manifest', async () => {
    expect((await diagnose(cluster('2026-12-01T09:30:00Z'))).summary).not.toContain('still uses the old');
    const manifest = await diagnose(cluster('2026-11-28T08:00:00Z', 'k8s/orders/deployment.yaml'));
    expect(manifest.summary).not.toContain('still uses the old');
  });

  it('names the stale key when the error quotes the whole old URL from a JSON log line', async () => {
    const line = [
      '{"time":"2026-12-01T11:58:00.1Z","level":"ERROR","msg":"quote failed","route":"A-B","err":"Get \\"http://old-db.shop.svc.cluster.local:8080/v2/quote?route=A-B\\": dial tcp: lookup old-db.shop.svc.cluster.local on 10.96.0.10:53: no such host"}',
      '{"time":"2026-12-01T11:58:00.2Z","level":"INFO","msg":"request","path":"/v1/quote","status":502}',
    ].join('\n');
    const patch =
      '@@ -3,1 +3,1 @@\n-  DB_URL: http://old-db.shop.svc.cluster.local:8080\n+  DB_URL: http://orders-db.shop.svc.cluster.local:8080';
    const findings = await diagnose(cluster('2026-11-28T08:00:00Z', undefined, line, patch));
    expect(findings.summary).toContain('still uses the old DB_URL');
    expect(findings.suggestedFix).toContain('kubectl rollout restart deployment/orders -n shop');
  });
});
