import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { UNREACHABLE } from '../src/llm/offline/rules/signals.js';
import { failureOf } from '../src/llm/offline/targets.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principles: a caller's connection errors lead to the Service that owns the address (a cluster IP
 * in any namespace of the run, or a pod IP its EndpointSlice lists), whose own diagnosis becomes
 * the root cause; a name that does not resolve and belongs to an ExternalName Service names it.
 */
async function diagnose(cluster: FakeCluster, namespaces = ['shop', 'data']) {
  const ctx = engineContext(fakeTools(cluster), { service: 'web', namespaces });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

const webPod = 'web-7d9f8b6c4-x2k9p';
function caller(line: string): FakeCluster {
  return {
    workloads: {
      web: {
        workload: { kind: 'Deployment', name: 'web' },
        pods: [{ name: webPod, labels: { app: 'web' }, containers: [running('web')] }],
      },
    },
    logs: {
      [webPod]: Array.from({ length: 12 }, () => `{"severity":"error","message":"${line}"}`).join('\n'),
    },
  };
}

const pendingDb = {
  workload: { kind: 'StatefulSet', name: 'orders-db' },
  pods: [
    {
      name: 'orders-db-0',
      phase: 'Pending',
      ready: '0/1',
      ownerKind: 'StatefulSet',
      ownerName: 'orders-db',
      containers: [{ name: 'postgres', ready: false, state: 'waiting', reason: 'ContainerCreating' }],
    },
  ],
};
const unschedulable = {
  type: 'Warning',
  reason: 'FailedScheduling',
  object: 'Pod/orders-db-0',
  count: 9,
  message: '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available.',
};

describe('a caller whose connections to an address fail', () => {
  it('follows a cluster IP to its Service in another namespace and diagnoses that dependency', async () => {
    const cluster = caller('db error: dial tcp 10.0.0.9:5432: connect: connection refused');
    cluster.workloads!['orders-db'] = pendingDb;
    cluster.events = [unschedulable];
    cluster.services = {
      'orders-db': { name: 'orders-db', namespace: 'data', clusterIP: '10.0.0.9', selector: { app: 'db' } },
    };
    const { findings } = await diagnose(cluster);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('orders-db');
    expect(said(findings)).toMatch(/Insufficient memory/);
  });

  it('follows a pod IP through the EndpointSlice that lists it', async () => {
    const cluster = caller('db error: dial tcp 10.1.0.44:5432: connect: connection refused');
    cluster.workloads!['orders-db'] = pendingDb;
    cluster.events = [unschedulable];
    cluster.objects = [
      {
        kind: 'EndpointSlice',
        metadata: {
          name: 'orders-db-x7k2p',
          namespace: 'data',
          labels: { 'kubernetes.io/service-name': 'orders-db' },
        },
        endpoints: [{ addresses: ['10.1.0.44'], conditions: { ready: false } }],
      },
    ];
    const { findings } = await diagnose(cluster);
    expect(said(findings)).toContain('orders-db');
    expect(said(findings)).toMatch(/Insufficient memory/);
  });
});

describe('a caller whose lookups of an ExternalName target fail', () => {
  const externalName = {
    kind: 'Service',
    metadata: { name: 'billing', namespace: 'shop' },
    spec: { type: 'ExternalName', externalName: 'billing.legacy-partner.example' },
  };

  it('names the ExternalName Service when the caller dials its external host', async () => {
    const cluster = caller(
      'charge failed: dial tcp: lookup billing.legacy-partner.example on 10.96.0.10:53: no such host',
    );
    cluster.objects = [externalName];
    const { findings } = await diagnose(cluster);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('Service billing');
    expect(said(findings)).toContain('ExternalName');
    expect(said(findings)).toContain('billing.legacy-partner.example');
    expect(findings.suggestedFix).toContain('externalName');
  });

  it('names it when the caller dials the Service by its cluster name', async () => {
    const cluster = caller('charge failed: getaddrinfo ENOTFOUND billing');
    cluster.objects = [externalName];
    const { findings } = await diagnose(cluster);
    expect(said(findings)).toContain('Service billing');
    expect(said(findings)).toContain('billing.legacy-partner.example');
  });

  it('says nothing of ExternalName when no such Service exists', async () => {
    const cluster = caller(
      'charge failed: dial tcp: lookup billing.legacy-partner.example on 10.96.0.10:53: no such host',
    );
    cluster.objects = [{ ...externalName, spec: { type: 'ClusterIP' } }];
    const { findings } = await diagnose(cluster);
    expect(said(findings)).not.toContain('ExternalName');
  });
});

describe('connect failures in the words of Python HTTP clients', () => {
  it('reads httpx and aiohttp connect errors as refused calls, and ConnectTimeout as a timeout', () => {
    expect(failureOf('fare-rules request failed: ConnectError: All connection attempts failed')).toBe(
      'refused',
    );
    expect(
      failureOf("Cannot connect to host rates:80 ssl:default [Connect call failed ('10.0.4.2', 80)]"),
    ).toBe('refused');
    expect(failureOf('httpx.ConnectTimeout: timed out')).toBe('timeout');
    expect(UNREACHABLE.test('ConnectError: All connection attempts failed')).toBe(true);
  });
});
