import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { hostsIn } from '../src/llm/offline/targets.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a logfmt `time=` stamp is no host; the address the call went to is checked against
 * the caller's egress NetworkPolicies, whose ipBlock must cover it.
 */
const line =
  'time=2026-12-01T11:59:01.040Z level=ERROR msg="database connection failed" err="dial tcp 10.60.4.12:5432: i/o timeout"';

function cluster(cidr: string): FakeCluster {
  return {
    workloads: {
      points: {
        workload: { kind: 'Deployment', name: 'points' },
        pods: [
          {
            name: 'points-58f6c4b7d9-z8nfw',
            ready: '0/1',
            restarts: 4,
            labels: { app: 'points' },
            containers: [
              running('points', {
                ready: false,
                restartCount: 4,
                lastTermination: { reason: 'Error', exitCode: 1 },
              }),
            ],
          },
        ],
      },
    },
    logs: {
      'points-58f6c4b7d9-z8nfw': `${line}\n`.repeat(4),
      'points-58f6c4b7d9-z8nfw.previous': `${line}\n`.repeat(4),
    },
    objects: [
      {
        kind: 'NetworkPolicy',
        metadata: { name: 'points-egress', namespace: 'shop' },
        spec: {
          podSelector: { matchLabels: { app: 'points' } },
          policyTypes: ['Egress'],
          egress: [{ to: [{ ipBlock: { cidr } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
        },
      },
    ],
  };
}

async function diagnose(c: FakeCluster) {
  return new OfflineEngine().diagnose(engineContext(fakeTools(c), { service: 'points' }));
}

describe('logfmt lines and egress policies', () => {
  it('reads the dialled address, not the timestamp, as the host', () => {
    expect(hostsIn(line)).toEqual([{ host: '10.60.4.12', port: '5432' }]);
  });

  it('names the egress policy whose ipBlock does not cover the new address', async () => {
    const findings = await diagnose(cluster('10.40.96.0/20'));
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('NetworkPolicy points-egress blocks');
    expect(said(findings)).toContain('10.60.4.12:5432');
    expect(said(findings)).not.toContain('2026-12-01t11');
  });

  it('does not blame the policy when its ipBlock covers the address', async () => {
    const findings = await diagnose(cluster('10.60.0.0/16'));
    expect(said(findings)).not.toContain('NetworkPolicy points-egress blocks');
  });
});
