import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { parseForbidden } from '../src/llm/offline/rules/rbac.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

async function diagnose(cluster: FakeCluster, service: string) {
  const tools = fakeTools(cluster);
  const ctx = engineContext(tools, { service });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx, tools };
}

function healthyWorkload(name: string, extra: Record<string, unknown> = {}) {
  const pod = `${name}-7d9f8b6c4-x2k9p`;
  return {
    workloads: {
      [name]: {
        workload: { kind: 'Deployment', name },
        pods: [{ name: pod, labels: { app: name }, containers: [running(name)], ...extra }],
      },
    },
    logs: { [pod]: '{"severity":"info","message":"serving"}' },
  };
}

describe('RBAC Forbidden', () => {
  it('reads who was refused what, from the API server message (escaped quotes too)', () => {
    expect(
      parseForbidden(
        'E1217 reflector.go:158] failed to list *v1.ConfigMap: configmaps is forbidden: User \\"system:serviceaccount:platform:flags\\" cannot list resource \\"configmaps\\" in API group \\"\\" in the namespace \\"platform\\"',
      ),
    ).toMatchObject({
      serviceAccount: { namespace: 'platform', name: 'flags' },
      verb: 'list',
      resource: 'configmaps',
      group: '',
      namespace: 'platform',
    });
    expect(
      parseForbidden(
        'pods "x" is forbidden: User "jane" cannot get resource "pods/log" in API group "" at the cluster scope',
      ),
    ).toMatchObject({ resource: 'pods', subresource: 'log', verb: 'get' });
  });

  it('traces the refusal to the Role the binding grants and the verb it lacks, confirmed by an access review', async () => {
    const cluster: FakeCluster = healthyWorkload('flags');
    const pod = 'flags-7d9f8b6c4-x2k9p';
    cluster.logs = {
      [pod]: Array.from(
        { length: 5 },
        () =>
          'W1217 10:12:49 reflector.go:561] failed to list *v1.ConfigMap: configmaps is forbidden: User "system:serviceaccount:shop:flags" cannot list resource "configmaps" in API group "" in the namespace "shop"',
      ).join('\n'),
    };
    cluster.access = (args) => ({
      allowed: false,
      denied: false,
      user: `system:serviceaccount:${String(args.serviceAccount)}`,
    });
    cluster.objects = [
      {
        kind: 'RoleBinding',
        metadata: { name: 'flags', namespace: 'shop' },
        roleRef: { kind: 'Role', name: 'flags-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'flags', namespace: 'shop' }],
      },
      {
        kind: 'Role',
        metadata: { name: 'flags-reader', namespace: 'shop' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
      },
    ];
    const { findings, tools } = await diagnose(cluster, 'flags');
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('ServiceAccount shop/flags cannot list configmaps in namespace shop');
    expect(said(findings)).toContain(
      'RoleBinding flags binds it to Role flags-reader, which grants get on configmaps but not list',
    );
    expect(findings.suggestedFix).toContain('Add "list"');
    expect(tools.calls.find((c) => c.tool === 'check_access')?.args).toMatchObject({
      verb: 'list',
      resource: 'configmaps',
      serviceAccount: 'shop:flags',
    });
  });
});

describe('autoscaling and ingress', () => {
  it('says an HPA cannot compute CPU utilisation when a container has no CPU request', async () => {
    const cluster: FakeCluster = healthyWorkload('pricing');
    cluster.objects = [
      {
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'pricing', namespace: 'shop' },
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'pricing' }, minReplicas: 2, maxReplicas: 10 },
        status: {
          currentReplicas: 2,
          desiredReplicas: 2,
          conditions: [
            {
              type: 'ScalingActive',
              status: 'False',
              reason: 'FailedGetResourceMetric',
              message:
                'the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container api of Pod pricing-x',
            },
          ],
        },
      },
    ];
    const { findings } = await diagnose(cluster, 'pricing');
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain(
      'HPA pricing cannot compute its metrics (no cpu request on container api)',
    );
    expect(findings.suggestedFix).toContain('resources.requests.cpu on container api');
  });

  it('takes metric failures the HPA has since got past (ScalingActive True) as history', async () => {
    const cluster: FakeCluster = healthyWorkload('eta');
    cluster.objects = [
      {
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'eta', namespace: 'shop' },
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'eta' }, minReplicas: 2, maxReplicas: 10 },
        status: {
          currentReplicas: 3,
          desiredReplicas: 3,
          conditions: [
            {
              type: 'ScalingActive',
              status: 'True',
              reason: 'ValidMetricFound',
              message:
                'the HPA was able to successfully calculate a replica count from cpu resource utilization',
            },
          ],
        },
      },
    ];
    cluster.events = [
      {
        type: 'Warning',
        reason: 'FailedGetResourceMetric',
        object: 'HorizontalPodAutoscaler/eta',
        count: 4,
        lastTimestamp: '2026-12-01T07:10:00Z',
        message: 'failed to get cpu utilization: did not receive metrics for targeted pods',
      },
    ];
    const { findings } = await diagnose(cluster, 'eta');
    expect(findings.status).not.toBe('diagnosed');
    expect(said(findings)).not.toContain('cannot autoscale');
  });

  it('says an HPA is capped at its maximum while it wants more', async () => {
    const cluster: FakeCluster = healthyWorkload('search');
    cluster.objects = [
      {
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'search', namespace: 'shop' },
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'search' }, maxReplicas: 4 },
        status: {
          currentReplicas: 4,
          desiredReplicas: 9,
          conditions: [
            { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
            {
              type: 'ScalingLimited',
              status: 'True',
              reason: 'TooManyReplicas',
              message: 'the desired replica count is more than the maximum replica count',
            },
          ],
        },
      },
    ];
    const { findings } = await diagnose(cluster, 'search');
    expect(said(findings)).toContain('maximum of 4 replicas');
    expect(said(findings)).toContain('desired 9');
  });

  it('finds an Ingress whose IngressClass does not exist', async () => {
    const cluster: FakeCluster = healthyWorkload('portal');
    cluster.objects = [
      {
        kind: 'Ingress',
        metadata: { name: 'portal', namespace: 'shop' },
        spec: {
          ingressClassName: 'nginx-public',
          rules: [
            {
              host: 'portal.example.com',
              http: {
                paths: [{ path: '/', backend: { service: { name: 'portal', port: { number: 80 } } } }],
              },
            },
          ],
        },
      },
      { kind: 'IngressClass', metadata: { name: 'nginx' } },
    ];
    const { findings } = await diagnose(cluster, 'portal');
    expect(said(findings)).toContain('IngressClass "nginx-public"');
    expect(said(findings)).toContain('the cluster has nginx');
  });

  it('finds an Ingress backend port the Service does not expose', async () => {
    const cluster: FakeCluster = healthyWorkload('portal');
    cluster.services = {
      portal: {
        name: 'portal',
        selector: { app: 'portal' },
        ports: [{ name: 'http', port: 80, targetPort: '8080', protocol: 'TCP' }],
        endpoints: { ready: [{ ip: '10.1.0.1' }], notReady: [] },
        selectedPods: { total: 1, ready: 1 },
        findings: [],
      },
    };
    cluster.objects = [
      {
        kind: 'Ingress',
        metadata: { name: 'portal', namespace: 'shop' },
        spec: {
          ingressClassName: 'nginx',
          rules: [
            {
              http: {
                paths: [{ path: '/', backend: { service: { name: 'portal', port: { number: 8443 } } } }],
              },
            },
          ],
        },
      },
      { kind: 'IngressClass', metadata: { name: 'nginx' } },
    ];
    const { findings } = await diagnose(cluster, 'portal');
    expect(said(findings)).toContain('port 8443 of Service portal');
  });
});
