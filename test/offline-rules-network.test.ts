import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { dnsAllowed, trafficAllowed } from '../src/llm/offline/network-policy.js';
import { callTargets, hostsIn } from '../src/llm/offline/targets.js';
import { analyzeLog } from '../src/llm/offline/log-analysis.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

async function diagnose(cluster: FakeCluster, service = 'web', namespaces?: string[]) {
  const ctx = engineContext(fakeTools(cluster), { service, namespaces });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

const webPod = 'web-7d9f8b6c4-x2k9p';
/** A caller whose logs say, many times, that calls to another service fail. */
function caller(line: string, labels: Record<string, string> = { app: 'web' }): FakeCluster {
  return {
    workloads: {
      web: {
        workload: { kind: 'Deployment', name: 'web' },
        pods: [{ name: webPod, labels, containers: [running('web')] }],
      },
    },
    logs: {
      [webPod]: Array.from({ length: 20 }, () => `{"severity":"error","message":"${line}"}`).join('\n'),
    },
  };
}

function service(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    namespace: 'shop',
    type: 'ClusterIP',
    clusterIP: '10.0.0.7',
    selector: { app: name },
    ports: [{ port: 80, targetPort: '8080', protocol: 'TCP' }],
    endpoints: { source: 'endpoints', ready: [{ ip: '10.1.0.4' }], notReady: [], ports: [] },
    selectedPods: { total: 1, ready: 1, names: [`${name}-1`] },
    findings: [],
    ...extra,
  };
}

describe('where a failed call went', () => {
  it('reads hosts from Go, Node, libpq and URL errors, and not from prose', () => {
    expect(hostsIn('dial tcp 10.0.0.7:7070: connect: connection refused')).toEqual([
      { host: '10.0.0.7', port: '7070' },
    ]);
    expect(hostsIn('dial tcp: lookup orders-db on 10.96.0.10:53: no such host')).toEqual([
      { host: 'orders-db' },
    ]);
    expect(hostsIn('connection to server at "10.91.0.12", port 5432 failed: Connection timed out')).toEqual([
      { host: '10.91.0.12', port: '5432' },
    ]);
    expect(hostsIn('getaddrinfo ENOTFOUND redis-cache')).toEqual([{ host: 'redis-cache' }]);
    expect(hostsIn('inventory lookup failed: connect ECONNREFUSED 172.20.64.18:8080')).toEqual([
      { host: '172.20.64.18', port: '8080' },
    ]);
    const log = analyzeLog(
      '{"level":"error","msg":"GET http://inventory:8080/items failed: connect ECONNREFUSED"}',
    );
    expect(callTargets([{ pod: 'p', previous: false, text: '', analysis: log }])[0]).toMatchObject({
      host: 'inventory',
      port: '8080',
      failure: 'refused',
    });
  });
});

describe('NetworkPolicy semantics', () => {
  const denyAll = {
    kind: 'NetworkPolicy',
    metadata: { name: 'default-deny', namespace: 'shop' },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  };
  const allowDb = {
    kind: 'NetworkPolicy',
    metadata: { name: 'web-egress', namespace: 'shop' },
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Egress'],
      egress: [
        { to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 5432, protocol: 'TCP' }] },
      ],
    },
  };
  const web = { labels: { app: 'web' }, namespace: 'shop' };

  it('isolates a pod as soon as one policy selects it, and allows only what a rule allows', () => {
    const db = { labels: { app: 'db' }, namespace: 'shop' };
    expect(trafficAllowed([allowDb], web, db, { port: 5432, protocol: 'TCP' }).egress.allowed).toBe(true);
    expect(trafficAllowed([allowDb], web, db, { port: 6379, protocol: 'TCP' }).egress.allowed).toBe(false);
    expect(trafficAllowed([], web, db, { port: 1, protocol: 'TCP' }).egress).toEqual({
      allowed: true,
      isolating: [],
    });
    const both = trafficAllowed([denyAll, allowDb], web, db, { port: 5432, protocol: 'TCP' });
    expect(both.egress.allowed).toBe(true);
    expect(both.ingress).toEqual({ allowed: false, isolating: ['default-deny'] });
  });

  it('tells whether DNS (port 53 to kube-dns) is allowed', () => {
    expect(dnsAllowed([denyAll, allowDb], web)).toMatchObject({ allowed: false });
    const dns = {
      kind: 'NetworkPolicy',
      metadata: { name: 'dns', namespace: 'shop' },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
            ports: [{ port: 53, protocol: 'UDP' }],
          },
        ],
      },
    };
    expect(dnsAllowed([denyAll, allowDb, dns], web).allowed).toBe(true);
  });

  it('diagnoses an egress policy without DNS when lookups time out', async () => {
    const { findings, ctx } = await diagnose({
      ...caller(
        'lookup db.data.svc.cluster.local on 10.96.0.10:53: read udp 10.1.0.9:4000->10.96.0.10:53: i/o timeout',
      ),
      objects: [denyAll, allowDb],
    });
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('NetworkPolicy default-deny, web-egress');
    expect(said(findings)).toMatch(/DNS/);
    expect(findings.suggestedFix).toContain('port 53');
    expect(ctx.casebook.evidence[0]?.detail).toContain('i/o timeout');
  });
});

describe('a caller following its errors to the Service it calls', () => {
  it('finds a Service whose selector matches none of the backend pods', async () => {
    const cluster = caller('inventory lookup failed: connect ECONNREFUSED 10.0.0.7:80');
    cluster.workloads!.inventory = {
      workload: { kind: 'Deployment', name: 'inventory' },
      pods: [
        {
          name: 'inventory-6c4d9f8b7d-j7qnf',
          labels: { app: 'inventory' },
          containers: [running('inventory')],
        },
      ],
    };
    cluster.logs!['inventory-6c4d9f8b7d-j7qnf'] = '{"severity":"info","message":"served"}';
    cluster.services = {
      inventory: service('inventory', {
        selector: { app: 'inventroy' },
        endpoints: { source: 'endpoints', ready: [], notReady: [], ports: [] },
        selectedPods: { total: 0, ready: 0, names: [] },
      }),
    };
    const { findings } = await diagnose(cluster);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('selector app=inventroy');
    expect(said(findings)).toContain('app=inventory (selector wants app=inventroy)');
  });

  it('finds a targetPort no container declares', async () => {
    const cluster = caller('thumb failed: dial tcp 10.0.0.7:80: connect: connection refused');
    const pod = 'thumbs-58d7c9b6f4-h8tbx';
    cluster.workloads!.thumbs = {
      workload: { kind: 'Deployment', name: 'thumbs' },
      pods: [{ name: pod, labels: { app: 'thumbs' }, containers: [running('thumbs')] }],
    };
    cluster.logs![pod] = '{"severity":"info","message":"listening on :9000"}';
    cluster.services = { thumbs: service('thumbs') };
    cluster.objects = [
      {
        kind: 'Pod',
        metadata: { name: pod, namespace: 'shop' },
        spec: { containers: [{ name: 'thumbs', ports: [{ name: 'http', containerPort: 9000 }] }] },
      },
    ];
    const { findings } = await diagnose(cluster);
    expect(said(findings)).toContain('targetPort 8080');
    expect(said(findings)).toContain('http 9000');
  });

  it('finds an ingress policy of the backend that does not admit the caller', async () => {
    const cluster = caller('call failed: dial tcp 10.0.0.7:80: i/o timeout');
    const pod = 'pay-58d7c9b6f4-h8tbx';
    cluster.workloads!.pay = {
      workload: { kind: 'Deployment', name: 'pay' },
      pods: [{ name: pod, labels: { app: 'pay' }, containers: [running('pay')] }],
    };
    cluster.logs![pod] = '{"severity":"info","message":"ok"}';
    cluster.services = { pay: service('pay') };
    cluster.objects = [
      {
        kind: 'NetworkPolicy',
        metadata: { name: 'pay-ingress', namespace: 'shop' },
        spec: {
          podSelector: { matchLabels: { app: 'pay' } },
          ingress: [{ from: [{ podSelector: { matchLabels: { app: 'checkout' } } }] }],
        },
      },
    ];
    const { findings } = await diagnose(cluster);
    expect(said(findings)).toContain('NetworkPolicy pay-ingress');
    expect(findings.suggestedFix).toContain('podSelector app=web');
  });

  it('makes a dependency that cannot schedule its pods the root cause of its caller', async () => {
    const cluster = caller(
      'score failed: I/O error on POST request for "http://fraud.shop.svc.cluster.local:8080/v1/score": Connection refused',
    );
    cluster.workloads!.fraud = {
      workload: { kind: 'Deployment', name: 'fraud' },
      pods: [
        {
          name: 'fraud-6d4b8f7c9d-hq2wx',
          phase: 'Pending',
          ready: '0/1',
          containers: [{ name: 'fraud', ready: false, state: 'waiting', reason: 'NotCreated' }],
        },
      ],
    };
    cluster.events = [
      {
        type: 'Warning',
        reason: 'FailedScheduling',
        object: 'Pod/fraud-6d4b8f7c9d-hq2wx',
        message: "0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector.",
      },
    ];
    cluster.objects = [
      {
        kind: 'Pod',
        metadata: { name: 'fraud-6d4b8f7c9d-hq2wx', namespace: 'shop' },
        spec: { nodeSelector: { pool: 'gpu' } },
      },
    ];
    const { findings, ctx } = await diagnose(cluster);
    expect(findings.status).toBe('diagnosed');
    expect(findings.summary).toMatch(/^web fails because its dependency fraud is failing/);
    expect(said(findings)).toContain('pool=gpu');
    expect(ctx.casebook.evidence[0]?.detail).toMatch(/^web cannot reach fraud/);
  });

  it('makes a dependency with no pods for want of quota the root cause too', async () => {
    const cluster = caller('cache failed: dial tcp 10.0.0.7:6379: connect: connection refused');
    cluster.workloads!.cache = { workload: { kind: 'Deployment', name: 'cache' }, pods: [] };
    cluster.services = {
      cache: service('cache', {
        clusterIP: '10.0.0.7',
        endpoints: { source: 'endpoints', ready: [], notReady: [], ports: [] },
      }),
    };
    cluster.events = [
      {
        type: 'Warning',
        reason: 'FailedCreate',
        object: 'ReplicaSet/cache-5d9f8c6b47',
        message:
          'Error creating: pods "cache-5d9f8c6b47-x" is forbidden: exceeded quota: mem, requested: requests.memory=1Gi, used: requests.memory=7Gi, limited: requests.memory=8Gi',
      },
    ];
    const { findings } = await diagnose(cluster);
    expect(said(findings)).toContain('dependency cache');
    expect(said(findings)).toContain('ResourceQuota mem');
  });

  it('says a name does not resolve because the Service lives in another namespace', async () => {
    const cluster = caller(
      'rpc error: code = Unavailable desc = dial tcp: lookup pay.payments.svc.cluster.local on 10.96.0.10:53: no such host',
    );
    cluster.services = { pay: service('pay') };
    const { findings, ctx } = await diagnose(cluster);
    expect(said(findings)).toContain('no Service pay in namespace payments');
    expect(said(findings)).toContain('A Service pay exists in namespace shop');
    expect(ctx.casebook.gaps).toEqual([
      { what: 'Service pay in namespace payments', why: "namespace payments is outside the run's scope" },
    ]);
  });

  it('names an address outside the cluster that times out', async () => {
    const { findings } = await diagnose(
      caller(
        'psycopg2.OperationalError: connection to server at \\"10.91.0.12\\", port 5432 failed: Connection timed out',
      ),
    );
    expect(said(findings)).toContain('10.91.0.12:5432');
    expect(said(findings)).toContain('time out');
  });
});

describe('failed calls in other runtimes', () => {
  it('reads Python, .NET, Kafka and nginx wordings', () => {
    const targets = (line: string) =>
      callTargets([
        {
          pod: 'p',
          previous: false,
          text: '',
          analysis: analyzeLog(`{"level":"error","msg":${JSON.stringify(line)}}`),
        },
      ]);
    expect(
      targets(
        "HTTPConnectionPool(host='inventory', port=8080): Max retries exceeded with url: /items (Caused by NewConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'))",
      )[0],
    ).toMatchObject({ host: 'inventory', port: '8080', failure: 'refused' });
    expect(
      targets('System.Net.Http.HttpRequestException: No such host is known. (ledger:80)')[0],
    ).toMatchObject({
      host: 'ledger',
      failure: 'dns-missing',
    });
    expect(
      targets(
        'Connection to node -1 (kafka/10.0.0.9:9092) could not be established. Broker may not be available.',
      )[0],
    ).toMatchObject({ host: '10.0.0.9', port: '9092' });
    expect(
      targets(
        'connect() failed (111: Connection refused) while connecting to upstream, upstream: "http://10.0.0.5:8080/"',
      )[0],
    ).toMatchObject({ host: '10.0.0.5', port: '8080', failure: 'refused' });
  });
});

describe('a target nothing can reach', () => {
  const denyIngress = {
    kind: 'NetworkPolicy',
    metadata: { name: 'lockdown', namespace: 'shop' },
    spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] },
  };

  it('blames a policy that denies all ingress to pods behind a Service', async () => {
    const cluster = caller('started');
    cluster.logs![webPod] = '{"severity":"info","message":"started"}';
    cluster.services = { web: service('web', { selector: { app: 'web' } }) };
    cluster.objects = [denyIngress];
    const { findings } = await diagnose(cluster);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('NetworkPolicy lockdown denies all ingress');
  });

  it('leaves a worker no Service fronts alone', async () => {
    const cluster = caller('started');
    cluster.logs![webPod] = '{"severity":"info","message":"started"}';
    cluster.objects = [denyIngress];
    const { findings } = await diagnose(cluster);
    expect(findings.status).toBe('healthy');
  });
});
