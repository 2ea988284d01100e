import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: an Ingress backend must name a port its Service defines (a port name the Service
 * lacks is the cause, both names said); an IngressClass is called missing only on proof — a class
 * list that is empty while a controller has given the Ingress an address proves nothing.
 */
function portal(backendPort: Record<string, unknown>, extra: Partial<FakeCluster> = {}): FakeCluster {
  const pod = 'portal-7d9f8b6c4-x2k9p';
  return {
    workloads: {
      portal: {
        workload: { kind: 'Deployment', name: 'portal' },
        pods: [{ name: pod, labels: { app: 'portal' }, containers: [running('portal')] }],
      },
    },
    logs: { [pod]: 'INFO serving\n' },
    services: {
      portal: {
        name: 'portal',
        selector: { app: 'portal' },
        ports: [{ name: 'web', port: 80, targetPort: '8080', protocol: 'TCP' }],
        endpoints: { ready: [{ ip: '10.1.0.1' }], notReady: [] },
        selectedPods: { total: 1, ready: 1 },
        findings: [],
      },
    },
    objects: [
      {
        kind: 'Ingress',
        metadata: { name: 'portal', namespace: 'shop' },
        spec: {
          ingressClassName: 'nginx',
          rules: [
            { http: { paths: [{ path: '/', backend: { service: { name: 'portal', port: backendPort } } }] } },
          ],
        },
        status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } },
      },
    ],
    ...extra,
  };
}

async function diagnose(cluster: FakeCluster) {
  return new OfflineEngine().diagnose(engineContext(fakeTools(cluster), { service: 'portal' }));
}

describe('Ingress backends and classes', () => {
  it('names the port name the Service lacks and the one it defines', async () => {
    const f = await diagnose(portal({ name: 'http' }));
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('port name "http"');
    expect(said(f)).toContain('"web"');
    expect(said(f)).not.toMatch(/IngressClass/);
  });

  it('does not call the class missing when none are listed but a controller serves the Ingress', async () => {
    const f = await diagnose(portal({ name: 'web' }));
    expect(said(f)).not.toMatch(/IngressClass "nginx"|does not exist/);
    expect(f.status).toBe('healthy');
  });

  it('still calls a class missing when other classes are listed, address or not', async () => {
    const cluster = portal({ name: 'web' });
    cluster.objects?.push({ kind: 'IngressClass', metadata: { name: 'traefik' } });
    const f = await diagnose(cluster);
    expect(said(f)).toContain('IngressClass "nginx"');
  });
});
