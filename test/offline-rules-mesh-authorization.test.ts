import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a 403 whose body is "RBAC: access denied" is the Envoy RBAC filter of the callee's
 * Istio sidecar: the AuthorizationPolicies that select the callee do not admit the caller's mTLS
 * identity (`cluster.local/ns/<ns>/sa/<service account>`), or a DENY policy matches it. The
 * caller's identity comes from its pods' service account; the policy at fault is named when the
 * callee's namespace can be read.
 */
const pod = 'pricing-7d8e9f0a1-b2c3d';
const denied = (i: number) =>
  `2026-12-01T11:${String(10 + i).padStart(2, '0')}:00Z WARN rules call failed: 403 Forbidden from POST http://rules.risk.svc.cluster.local:8080/v1/evaluate "RBAC: access denied"`;
const rbacLog = `${Array.from({ length: 6 }, (_, i) => denied(i)).join('\n')}\n`;

function policy(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace: 'risk' },
    spec,
  };
}

const ALLOW_OTHER_SA = policy('rules-allow-callers', {
  action: 'ALLOW',
  selector: { matchLabels: { app: 'rules' } },
  rules: [
    {
      from: [
        { source: { principals: ['cluster.local/ns/shop/sa/pricing', 'cluster.local/ns/claims/sa/intake'] } },
      ],
      to: [{ operation: { methods: ['POST'], paths: ['/v1/*'] } }],
    },
  ],
});
const ALLOW_CALLER = policy('rules-allow-callers', {
  action: 'ALLOW',
  selector: { matchLabels: { app: 'rules' } },
  rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/pricing-sa'] } }] }],
});
const DENY_SHOP = policy('rules-deny-shop', {
  action: 'DENY',
  selector: { matchLabels: { app: 'rules' } },
  rules: [{ from: [{ source: { namespaces: ['shop'] } }] }],
});
const OTHER_WORKLOAD = policy('ledger-allow-nobody', {
  action: 'ALLOW',
  selector: { matchLabels: { app: 'ledger' } },
  rules: [],
});

function cluster(log: string, policies: Record<string, unknown>[]): FakeCluster {
  return {
    workloads: {
      pricing: {
        workload: { kind: 'Deployment', name: 'pricing' },
        pods: [{ name: pod, ready: '2/2', containers: [running('pricing'), running('istio-proxy')] }],
      },
    },
    events: [],
    logs: { [pod]: log },
    objects: [
      {
        kind: 'Pod',
        metadata: { name: pod, namespace: 'shop', labels: { app: 'pricing' } },
        spec: {
          serviceAccountName: 'pricing-sa',
          containers: [{ name: 'pricing' }, { name: 'istio-proxy' }],
        },
      },
      {
        kind: 'Service',
        metadata: { name: 'rules', namespace: 'risk' },
        spec: { selector: { app: 'rules' } },
      },
      {
        kind: 'Pod',
        metadata: {
          name: 'rules-5f6a7b8c9-x1y2z',
          namespace: 'risk',
          labels: { app: 'rules', version: 'v2' },
        },
        spec: { serviceAccountName: 'rules', containers: [{ name: 'rules' }] },
      },
      ...policies,
    ],
  };
}

async function diagnose(c: FakeCluster, namespaces = ['shop', 'risk']) {
  const ctx = engineContext(fakeTools(c), { service: 'pricing', namespaces, now: '2026-12-01T12:00:00Z' });
  const findings = await new OfflineEngine().diagnose(ctx);
  return { findings, casebook: ctx.casebook };
}

describe('calls refused by Istio authorization (403 "RBAC: access denied")', () => {
  it('name the ALLOW policy, the principals it admits and the service account the caller runs as', async () => {
    const { findings } = await diagnose(cluster(rbacLog, [ALLOW_OTHER_SA, OTHER_WORKLOAD]));
    expect(findings.status).toBe('diagnosed');
    expect(findings.rootCause.confidence).toBe('high');
    const text = said(findings);
    expect(text).toContain('AuthorizationPolicy risk/rules-allow-callers');
    expect(text).toContain('cluster.local/ns/shop/sa/pricing-sa');
    expect(text).toContain('admits only principals cluster.local/ns/shop/sa/pricing');
    expect(text).toContain('service account pricing-sa');
    expect(text).not.toContain('ledger-allow-nobody');
    expect(findings.suggestedFix).toContain('cluster.local/ns/shop/sa/pricing-sa');
  });

  it('name a DENY policy that matches the caller', async () => {
    const { findings } = await diagnose(cluster(rbacLog, [ALLOW_CALLER, DENY_SHOP]));
    const text = said(findings);
    expect(text).toContain('AuthorizationPolicy risk/rules-deny-shop (action DENY)');
    expect(findings.suggestedFix).toContain('DENY rule');
  });

  it('name no policy at fault when the policies admit the caller, and stay at medium confidence', async () => {
    const { findings } = await diagnose(cluster(rbacLog, [ALLOW_CALLER]));
    expect(findings.rootCause.confidence).toBe('medium');
    expect(said(findings)).not.toContain('risk/rules-allow-callers');
    expect(said(findings)).toContain('RBAC: access denied');
  });

  it("say what the caller's identity is, and that the callee's policies could not be read, when its namespace is out of scope", async () => {
    const { findings, casebook } = await diagnose(cluster(rbacLog, [ALLOW_OTHER_SA]), ['shop']);
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toContain('AuthorizationPolicy in namespace risk');
    expect(text).toContain('cluster.local/ns/shop/sa/pricing-sa');
    expect(casebook.gaps.map((g) => g.what).join(' ')).toContain('AuthorizationPolicies of namespace risk');
  });

  it("leave an application's own 403 (no Envoy RBAC body) to other rules", async () => {
    const appDenied = rbacLog.replaceAll('"RBAC: access denied"', '{"error":"insufficient scope"}');
    const { findings } = await diagnose(cluster(appDenied, [ALLOW_OTHER_SA]));
    expect(said(findings)).not.toContain('AuthorizationPolicy');
  });
});
