import { describe, expect, it } from 'vitest';

import { readObjects } from '../src/llm/offline/cluster-read.js';
import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a TLS certificate that expired is a fault even when every pod is fine. cert-manager's
 * Certificate whose spec.secretName is the Secret the target serves (its Ingress's spec.tls, a
 * Secret its pods mount) or whose dnsNames cover the host a caller's TLS error is about, judged by
 * status.notAfter against the clock; the report names it, when it expired, and the object that
 * stopped its renewal (issuer not Ready, an HTTP-01 solver's missing ingress class, a failing
 * Challenge) with the field and value at fault.
 */
const NOW = '2026-12-01T12:00:00Z';
type Obj = Record<string, unknown>;

function certificate(
  name: string,
  extra: { dnsNames?: string[]; issuer?: Obj; notAfter?: string } = {},
): Obj {
  return {
    kind: 'Certificate',
    metadata: { name, namespace: 'shop' },
    spec: {
      secretName: name,
      dnsNames: extra.dnsNames ?? ['shop.example.com'],
      issuerRef: extra.issuer ?? { kind: 'ClusterIssuer', name: 'acme' },
    },
    status: {
      notAfter: extra.notAfter ?? '2026-12-01T09:00:00Z',
      renewalTime: '2026-11-01T09:00:00Z',
      conditions: [{ type: 'Ready', status: 'False', reason: 'Expired', message: 'Certificate expired' }],
    },
  };
}

const ready = { conditions: [{ type: 'Ready', status: 'True', reason: 'ACMEAccountRegistered' }] };

/** The ACME chain of one renewal: request, order, and a challenge with its solver and state. */
function acmeRenewal(solver: Obj, status: Obj, solverIngress?: Obj): Obj[] {
  const challenge = 'web-tls-3-111-222';
  return [
    {
      kind: 'CertificateRequest',
      metadata: {
        name: 'web-tls-3',
        namespace: 'shop',
        annotations: { 'cert-manager.io/certificate-name': 'web-tls' },
      },
      status: {
        conditions: [{ type: 'Ready', status: 'False', reason: 'Pending', message: 'order pending' }],
      },
    },
    {
      kind: 'Order',
      metadata: {
        name: 'web-tls-3-111',
        namespace: 'shop',
        ownerReferences: [{ kind: 'CertificateRequest', name: 'web-tls-3' }],
      },
      status: { state: 'pending' },
    },
    {
      kind: 'Challenge',
      metadata: {
        name: challenge,
        namespace: 'shop',
        ownerReferences: [{ kind: 'Order', name: 'web-tls-3-111' }],
      },
      spec: { type: solver.dns01 ? 'DNS-01' : 'HTTP-01', dnsName: 'shop.example.com', solver },
      status,
    },
    ...(solverIngress
      ? [
          {
            kind: 'Ingress',
            metadata: {
              name: 'cm-acme-http-solver-x1',
              namespace: 'shop',
              ownerReferences: [{ kind: 'Challenge', name: challenge }],
            },
            spec: { ingressClassName: 'legacy', rules: [{ host: 'shop.example.com' }] },
            ...solverIngress,
          },
        ]
      : []),
  ];
}

/** A healthy web Deployment behind an Ingress that terminates TLS with Secret web-tls. */
function web(objects: Obj[]): FakeCluster {
  const pod = 'web-6f7d8c9b5-q2w3e';
  return {
    workloads: {
      web: {
        workload: { kind: 'Deployment', name: 'web' },
        pods: [{ name: pod, labels: { app: 'web' }, containers: [running('web')] }],
      },
    },
    logs: { [pod]: 'INFO listening on :8080\n' },
    services: {
      web: {
        name: 'web',
        selector: { app: 'web' },
        ports: [{ name: 'http', port: 80, targetPort: '8080', protocol: 'TCP' }],
        endpoints: { ready: [{ ip: '10.1.0.1' }], notReady: [] },
        selectedPods: { total: 1, ready: 1 },
        findings: [],
      },
    },
    objects: [
      {
        kind: 'Ingress',
        metadata: { name: 'web', namespace: 'shop' },
        spec: {
          ingressClassName: 'public',
          tls: [{ hosts: ['shop.example.com'], secretName: 'web-tls' }],
          rules: [
            {
              host: 'shop.example.com',
              http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }] },
            },
          ],
        },
        status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } },
      },
      { kind: 'IngressClass', metadata: { name: 'public' } },
      ...objects,
    ],
  };
}

const http01 = { http01: { ingress: { ingressClassName: 'legacy' } } };
const acmeIssuer = (solvers: Obj[]): Obj => ({
  kind: 'ClusterIssuer',
  metadata: { name: 'acme' },
  spec: { acme: { server: 'https://acme.example/directory', solvers } },
  status: ready,
});
const propagation = {
  state: 'pending',
  reason: "Waiting for HTTP-01 challenge propagation: wrong status code '404', expected '200'",
};

async function diagnose(cluster: FakeCluster, service: string) {
  return new OfflineEngine().diagnose(engineContext(fakeTools(cluster), { service, now: NOW }));
}

describe('expired certificates that cert-manager did not renew', () => {
  it('names the Certificate behind the Ingress, its expiry, and the solver ingress class that no IngressClass provides', async () => {
    const f = await diagnose(
      web([
        certificate('web-tls'),
        acmeIssuer([http01]),
        ...acmeRenewal(http01, propagation, { status: { loadBalancer: {} } }),
      ]),
      'web',
    );
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('Certificate web-tls');
    expect(said(f)).toContain('expired at 2026-12-01T09:00:00Z');
    expect(said(f)).toContain('ClusterIssuer acme');
    expect(said(f)).toContain('spec.acme.solvers[0].http01.ingress.ingressClassName');
    expect(said(f)).toContain('"legacy"');
    expect(said(f)).toContain("wrong status code '404'");
    // The fix moves the solver to the class the certificate's own Ingress uses.
    expect(f.suggestedFix).toContain('"public"');
  });

  it('stays silent while the certificate is still valid', async () => {
    const f = await diagnose(
      web([
        certificate('web-tls', { notAfter: '2027-02-01T09:00:00Z' }),
        acmeIssuer([http01]),
        ...acmeRenewal(http01, propagation),
      ]),
      'web',
    );
    expect(f.status).toBe('healthy');
  });

  it('does not blame the class when a controller gave the solver Ingress an address; quotes the Challenge instead', async () => {
    const f = await diagnose(
      web([
        certificate('web-tls'),
        acmeIssuer([http01]),
        ...acmeRenewal(http01, propagation, {
          status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } },
        }),
      ]),
      'web',
    );
    expect(f.status).toBe('diagnosed');
    expect(said(f)).not.toContain('no IngressClass of that name');
    expect(said(f)).toContain('Challenge web-tls-3-111-222');
    expect(said(f)).toContain("wrong status code '404'");
  });

  it('quotes a failing DNS-01 challenge and points the fix at the DNS-01 solver', async () => {
    const dns01 = { dns01: { route53: { region: 'eu-west-1' } } };
    const f = await diagnose(
      web([
        certificate('web-tls'),
        acmeIssuer([dns01]),
        ...acmeRenewal(dns01, {
          state: 'pending',
          reason:
            'Error presenting challenge: AccessDenied: not authorized to perform route53:ChangeResourceRecordSets',
        }),
      ]),
      'web',
    );
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('DNS-01');
    expect(said(f)).toContain('route53:ChangeResourceRecordSets');
    expect(f.suggestedFix).toContain('DNS-01 solver of ClusterIssuer acme');
  });

  it("follows a caller's NotTimeValid errors to the Certificate covering the host it calls, and the CA issuer's missing Secret", async () => {
    const pod = 'payments-5d6f7g8h9-a1b2c';
    const error =
      'fail: Ledger call failed System.Security.Authentication.AuthenticationException: The remote certificate is invalid because of errors in the certificate chain: NotTimeValid';
    const cluster: FakeCluster = {
      workloads: {
        payments: {
          workload: { kind: 'Deployment', name: 'payments' },
          pods: [{ name: pod, labels: { app: 'payments' }, containers: [running('payments')] }],
        },
      },
      logs: { [pod]: `${Array(6).fill(error).join('\n')}\n` },
      objects: [
        {
          kind: 'Pod',
          metadata: { name: pod, namespace: 'shop' },
          spec: {
            containers: [
              {
                name: 'payments',
                env: [{ name: 'LEDGER_URL', value: 'https://ledger.shop.svc.cluster.local:9443' }],
              },
            ],
          },
        },
        // Another expired certificate, for a host the caller does not call: not the one at fault.
        certificate('reports-tls', {
          dnsNames: ['reports.shop.svc'],
          issuer: { kind: 'Issuer', name: 'ca' },
        }),
        certificate('ledger-tls', {
          dnsNames: ['ledger', 'ledger.shop.svc.cluster.local'],
          issuer: { kind: 'Issuer', name: 'ca' },
        }),
        {
          kind: 'Issuer',
          metadata: { name: 'ca', namespace: 'shop' },
          spec: { ca: { secretName: 'ca-keypair' } },
          status: {
            conditions: [
              {
                type: 'Ready',
                status: 'False',
                reason: 'ErrGetKeyPair',
                message: 'Error getting keypair for CA issuer: secret "ca-keypair" not found',
              },
            ],
          },
        },
      ],
    };
    const f = await diagnose(cluster, 'payments');
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('Certificate shop/ledger-tls');
    expect(said(f)).not.toContain('reports-tls');
    expect(said(f)).toContain('NotTimeValid');
    expect(said(f)).toContain('Issuer ca is not Ready');
    expect(said(f)).toContain('spec.ca.secretName');
    expect(f.suggestedFix).toContain('Restore Secret ca-keypair');
  });

  it('names an issuer that does not exist when the server mounts the expired Secret itself', async () => {
    const pod = 'ledger-7c8d9e0f1-z9y8x';
    const cluster: FakeCluster = {
      workloads: {
        ledger: {
          workload: { kind: 'Deployment', name: 'ledger' },
          pods: [{ name: pod, labels: { app: 'ledger' }, containers: [running('ledger')] }],
        },
      },
      logs: { [pod]: 'INFO listening on :9443 (tls)\n' },
      objects: [
        {
          kind: 'Pod',
          metadata: { name: pod, namespace: 'shop' },
          spec: {
            volumes: [{ name: 'tls', secret: { secretName: 'ledger-tls' } }],
            containers: [{ name: 'ledger', volumeMounts: [{ name: 'tls', mountPath: '/etc/tls' }] }],
          },
        },
        certificate('ledger-tls', { dnsNames: ['ledger'], issuer: { kind: 'Issuer', name: 'internal-ca' } }),
      ],
    };
    const f = await diagnose(cluster, 'ledger');
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('Certificate ledger-tls');
    expect(said(f)).toContain('/etc/tls');
    expect(said(f)).toContain('Issuer internal-ca (spec.issuerRef), which does not exist');
  });

  it("without cert-manager, says the server's certificate expired, not the caller's, when the line names no host", async () => {
    const pod = 'payments-5d6f7g8h9-a1b2c';
    const error =
      'fail: Ledger call failed System.Security.Authentication.AuthenticationException: The remote certificate is invalid because of errors in the certificate chain: NotTimeValid';
    const f = await diagnose(
      {
        workloads: {
          payments: {
            workload: { kind: 'Deployment', name: 'payments' },
            pods: [{ name: pod, labels: { app: 'payments' }, containers: [running('payments')] }],
          },
        },
        logs: { [pod]: `${Array(6).fill(error).join('\n')}\n` },
      },
      'payments',
    );
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain("the server's certificate has expired");
    expect(said(f)).not.toContain('payments presents');
  });

  it("does not pin a third party's expired certificate on an unrelated expired Certificate in the namespace", async () => {
    const pod = 'payments-5d6f7g8h9-a1b2c';
    const error =
      'ERROR charge failed: Get "https://api.psp.example/v1/charges": x509: certificate has expired or is not yet valid';
    const f = await diagnose(
      {
        workloads: {
          payments: {
            workload: { kind: 'Deployment', name: 'payments' },
            pods: [{ name: pod, labels: { app: 'payments' }, containers: [running('payments')] }],
          },
        },
        logs: { [pod]: `${Array(6).fill(error).join('\n')}\n` },
        objects: [certificate('reports-tls', { dnsNames: ['reports.shop.svc'] })],
      },
      'payments',
    );
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('api.psp.example');
    expect(said(f)).not.toContain('reports-tls');
  });

  it('treats a kind the API does not serve as none installed, not as a gap', async () => {
    const ctx = engineContext(
      fakeTools({
        failing: { get_resources: 'the server doesn\'t have a resource type "certificates.cert-manager.io"' },
      }),
      { service: 'web', now: NOW },
    );
    expect(await readObjects(ctx, 'certificates.cert-manager.io', { optionalKind: true })).toEqual([]);
    expect(ctx.casebook.gaps).toEqual([]);
    expect(await readObjects(ctx, 'certificates.cert-manager.io')).toBeNull();
    expect(ctx.casebook.gaps).toHaveLength(1);
  });
});
