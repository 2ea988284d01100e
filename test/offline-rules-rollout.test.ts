import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a rollout stuck because the updated pod fails its readiness probe with an HTTP answer
 * (404 on the probe's path) is caused by that probe; a Service port slip beside it is secondary.
 */
async function diagnose(cluster: FakeCluster) {
  const ctx = engineContext(fakeTools(cluster), { service: 'ledger' });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

const updated = 'ledger-1';
function cluster(count: number): FakeCluster {
  return {
    workloads: {
      ledger: {
        workload: { kind: 'StatefulSet', name: 'ledger' },
        pods: [
          { name: 'ledger-0', labels: { app: 'ledger' }, containers: [running('ledger')] },
          {
            name: updated,
            ready: '0/1',
            labels: { app: 'ledger' },
            containers: [running('ledger', { ready: false })],
          },
        ],
      },
    },
    events: [
      {
        type: 'Warning',
        reason: 'Unhealthy',
        object: `Pod/${updated}`,
        count,
        message: 'Readiness probe failed: HTTP probe failed with statuscode: 404',
      },
    ],
    logs: {
      'ledger-0': 'INFO GET /ready 200\n',
      [updated]: 'INFO listening on :8080\nINFO GET /ready 404\n',
    },
    services: {
      ledger: {
        name: 'ledger',
        namespace: 'shop',
        type: 'ClusterIP',
        clusterIP: '10.0.0.12',
        selector: { app: 'ledger' },
        ports: [{ port: 80, targetPort: '8081', protocol: 'TCP' }],
        endpoints: {
          source: 'endpoints',
          ready: [{ ip: '10.1.0.4' }],
          notReady: [{ ip: '10.1.0.5' }],
          ports: [],
        },
        selectedPods: { total: 2, ready: 1, names: ['ledger-0', updated] },
        findings: [],
      },
    },
    objects: [
      {
        kind: 'Pod',
        metadata: { name: updated, namespace: 'shop' },
        spec: {
          containers: [
            {
              name: 'ledger',
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/readyz', port: 8080 } },
            },
          ],
        },
      },
    ],
  };
}

describe('a rollout stalled on a readiness probe', () => {
  it('makes the readiness 404 the cause and the Service port slip secondary', async () => {
    const { findings } = await diagnose(cluster(20));
    expect(findings.status).toBe('diagnosed');
    expect(findings.rootCause.statement.indexOf('readiness')).toBeGreaterThanOrEqual(0);
    expect(findings.rootCause.statement).toContain('404');
    const secondary = findings.rootCause.statement.indexOf('Secondary');
    if (secondary >= 0) expect(findings.rootCause.statement.indexOf('404')).toBeLessThan(secondary);
    expect(said(findings)).toContain('/readyz');
  });
});
