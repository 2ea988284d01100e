import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a file whose changed lines the root cause quotes from a commit is a suspect file,
 * whatever its type (an overlay's .env file here).
 */
const cluster: FakeCluster = {
  workloads: {
    payouts: {
      workload: { kind: 'Deployment', name: 'payouts' },
      pods: [{ name: 'payouts-7f5d8b9c4d-fq7mx', containers: [running('payouts')] }],
    },
  },
  services: {
    ledger: { name: 'ledger', namespace: 'finance', clusterIP: '10.96.7.7', selector: { app: 'ledger' } },
  },
  logs: {
    'payouts-7f5d8b9c4d-fq7mx':
      'ERROR payout run failed: dial tcp: lookup ledger.finance-staging.svc.cluster.local on 10.96.0.10:53: no such host\n'.repeat(
        4,
      ),
  },
  repo: { 'deploy/overlays/prod/payouts.env': 'LEDGER_ADDR=ledger.finance-staging.svc.cluster.local:9090\n' },
  commits: [
    {
      sha: '61b8e0d'.padEnd(40, '0'),
      message: 'payouts: ledger address must be explicit',
      date: '2026-12-01T10:00:00Z',
      files: [
        {
          path: 'deploy/overlays/prod/payouts.env',
          patch: '@@ -0,0 +1 @@\n+LEDGER_ADDR=ledger.finance-staging.svc.cluster.local:9090',
        },
      ],
    },
  ],
};

describe('suspect files', () => {
  it('include the file whose changed line the root cause quotes', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'payouts', namespaces: ['shop', 'finance'] });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.rootCause.statement + ctx.casebook.evidence.map((e) => e.detail).join(' ')).toContain(
      'deploy/overlays/prod/payouts.env',
    );
    expect(ctx.casebook.suspectFiles.map((f) => f.path)).toContain('deploy/overlays/prod/payouts.env');
  });
});
