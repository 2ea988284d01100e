import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: cluster Service names that do not resolve in a pod whose dnsPolicy bypasses the
 * cluster DNS (Default, hostNetwork with ClusterFirst) are a pod-spec fault, tied to the Job that failed.
 */
function cluster(spec: Record<string, unknown>): FakeCluster {
  return {
    workloads: {
      rollup: {
        workload: { kind: 'Job', name: 'rollup' },
        pods: [
          {
            name: 'rollup-k7m2p',
            phase: 'Failed',
            ready: '0/1',
            ownerKind: 'Job',
            ownerName: 'rollup',
            containers: [
              running('rollup', { ready: false, state: 'terminated', exitCode: 1, reason: 'Error' }),
            ],
          },
        ],
      },
    },
    services: { 'pg-main': { name: 'pg-main', clusterIP: '10.96.4.4', selector: { app: 'pg-main' } } },
    logs: {
      'rollup-k7m2p':
        'ERROR psycopg2.OperationalError: could not translate host name "pg-main.shop.svc.cluster.local" to address: Name or service not known\nCRITICAL rollup aborted\n',
    },
    objects: [
      {
        kind: 'Pod',
        metadata: { name: 'rollup-k7m2p', namespace: 'shop' },
        spec: { containers: [{ name: 'rollup' }], ...spec },
      },
    ],
  };
}

async function diagnose(c: FakeCluster) {
  return new OfflineEngine().diagnose(engineContext(fakeTools(c), { service: 'rollup' }));
}

describe('a pod that cannot resolve cluster names', () => {
  it('blames dnsPolicy: Default', async () => {
    const findings = await diagnose(cluster({ dnsPolicy: 'Default' }));
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('dnsPolicy: Default');
    expect(said(findings)).toContain('pg-main.shop.svc.cluster.local');
    expect(findings.suggestedFix).toContain('ndots');
  });

  it('blames hostNetwork without ClusterFirstWithHostNet', async () => {
    const findings = await diagnose(cluster({ hostNetwork: true }));
    expect(said(findings)).toContain('ClusterFirstWithHostNet');
  });

  it('does not blame the DNS policy when it is ClusterFirst', async () => {
    const findings = await diagnose(cluster({ dnsPolicy: 'ClusterFirst' }));
    expect(said(findings)).not.toContain('dnsPolicy');
  });
});
