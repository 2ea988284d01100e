import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a caller that cannot reach an address outside the cluster is checked against its own
 * egress NetworkPolicies; when no egress rule admits the address and port, the policy that should
 * carry the traffic is named, and the commit that changed it is the suspect.
 */
const pod = 'billing-7d9f8b6c4-x2k9p';
function billing(line: string, policies: Record<string, unknown>[]): FakeCluster {
  return {
    workloads: {
      billing: {
        workload: { kind: 'Deployment', name: 'billing' },
        pods: [
          {
            name: pod,
            ready: '0/1',
            labels: { app: 'billing' },
            containers: [running('billing', { ready: false })],
          },
        ],
      },
    },
    logs: { [pod]: Array.from({ length: 12 }, () => `ERROR ${line}`).join('\n') },
    objects: policies,
    repo: {
      'deploy/netpol-billing.yaml':
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: billing-egress\nspec:\n  policyTypes: [Egress]\n',
    },
    commits: [
      {
        sha: 'c'.repeat(40),
        message: 'tighten billing egress',
        date: '2026-12-01T09:00:00Z',
        files: [
          {
            path: 'deploy/netpol-billing.yaml',
            patch:
              '@@ -1,6 +1,8 @@\n metadata:\n   name: billing-egress\n@@ -12,3 +14,5 @@\n         - ipBlock:\n             cidr: 10.20.0.0/16\n+            except:\n+              - 10.20.30.0/24',
          },
        ],
      },
    ],
  };
}

function policy(name: string, egress: unknown[]): Record<string, unknown> {
  return {
    kind: 'NetworkPolicy',
    metadata: { name, namespace: 'shop' },
    spec: { podSelector: { matchLabels: { app: 'billing' } }, policyTypes: ['Egress'], egress },
  };
}

const dns = policy('allow-dns', [
  { to: [{ namespaceSelector: {} }], ports: [{ port: 53, protocol: 'UDP' }] },
]);
const excepting = policy('billing-egress', [
  {
    to: [{ ipBlock: { cidr: '10.20.0.0/16', except: ['10.20.30.0/24'] } }],
    ports: [{ port: 5432, protocol: 'TCP' }],
  },
]);

async function diagnose(cluster: FakeCluster) {
  const ctx = engineContext(fakeTools(cluster), { service: 'billing' });
  return { f: await new OfflineEngine().diagnose(ctx), ctx };
}

describe('egress NetworkPolicies and addresses outside the cluster', () => {
  it('names the policy whose ipBlock excepts the database address, and the commit that changed it', async () => {
    const { f, ctx } = await diagnose(
      billing('could not connect to database: dial tcp 10.20.30.7:5432: i/o timeout', [dns, excepting]),
    );
    expect(f.status).toBe('diagnosed');
    expect(f.rootCause.statement).toMatch(/^NetworkPolicy billing-egress blocks/);
    expect(said(f)).toContain('10.20.30.7:5432');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('c'.repeat(40));
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('deploy/netpol-billing.yaml');
  });

  it('blocks a cloud database name when no egress rule allows its port', async () => {
    const only443 = policy('billing-egress', [
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443 }] },
    ]);
    const { f } = await diagnose(
      billing('connection to mydb.abc123.eu-west-1.rds.amazonaws.com:5432 timed out', [dns, only443]),
    );
    expect(f.rootCause.statement).toContain('NetworkPolicy billing-egress blocks');
    expect(f.rootCause.statement).toContain('port 5432');
  });

  it('does not blame a policy that admits the address', async () => {
    const open = policy('billing-egress', [
      { to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 5432 }] },
    ]);
    const { f } = await diagnose(
      billing('could not connect to database: dial tcp 10.20.30.7:5432: i/o timeout', [dns, open]),
    );
    expect(said(f)).not.toMatch(/blocks/);
    expect(said(f)).toContain('10.20.30.7:5432');
  });
});
