import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a service whose pods run without the mesh proxy that its neighbours have, and whose
 * calls are reset, was left out of sidecar injection: the mesh's mutual TLS refuses its plain text.
 */
const pod = 'payouts-5b6c7d8e9-a1b2c';
const reset =
  '2026-12-01T11:58:00Z ERROR fetch failed: Get "http://rates.fx.svc.cluster.local:8080/v1": read tcp 10.1.0.5:40000->10.1.3.9:8080: read: connection reset by peer';

function cluster(neighbourMeshed: boolean): FakeCluster {
  return {
    workloads: {
      payouts: {
        workload: { kind: 'Deployment', name: 'payouts' },
        pods: [{ name: pod, containers: [running('payouts')] }],
      },
    },
    events: [],
    logs: { [pod]: `${reset}\n`.repeat(6) },
    objects: [
      {
        kind: 'Pod',
        metadata: { name: pod, namespace: 'shop' },
        spec: { containers: [{ name: 'payouts' }] },
      },
      {
        kind: 'Pod',
        metadata: { name: 'portal-7c8d9e0f1-d3e4f', namespace: 'shop' },
        spec: { containers: [{ name: 'portal' }, ...(neighbourMeshed ? [{ name: 'istio-proxy' }] : [])] },
      },
      { kind: 'Namespace', metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } },
    ],
  };
}

async function diagnose(c: FakeCluster) {
  return new OfflineEngine().diagnose(
    engineContext(fakeTools(c), { service: 'payouts', now: '2026-12-01T12:00:00Z' }),
  );
}

describe('pods left out of the mesh', () => {
  it('are named, with the missing sidecar, the namespace label and how to re-inject them', async () => {
    const findings = await diagnose(cluster(true));
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('no istio-proxy sidecar');
    expect(said(findings)).toContain('istio-injection=enabled');
    expect(findings.suggestedFix).toContain('kubectl rollout restart deployment/payouts -n shop');
  });

  it('are no mesh fault when no pod of the namespace has a proxy', async () => {
    expect(said(await diagnose(cluster(false)))).not.toContain('sidecar');
  });
});
