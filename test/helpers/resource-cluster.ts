import type { KubeObject, Scenario } from '../../src/sandbox/scenario-types.js';

/** The scenario clock of the hand-built cluster: every age below is counted from it. */
export const clusterNow = '2026-11-20T14:30:00Z';

/** An ISO time `minutes` before the clock. */
export function minutesAgo(minutes: number): string {
  return new Date(Date.parse(clusterNow) - minutes * 60_000).toISOString().replace('.000Z', 'Z');
}

const meta = (name: string, minutes: number, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: 'shop',
  creationTimestamp: minutesAgo(minutes),
  ...extra,
});
const clusterMeta = (name: string, minutes: number, extra: Record<string, unknown> = {}) => ({
  name,
  creationTimestamp: minutesAgo(minutes),
  ...extra,
});

function pod(
  name: string,
  labels: Record<string, string>,
  status: Record<string, unknown>,
  spec: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(name, 60, { labels }),
    spec: {
      nodeName: 'node-a',
      containers: [
        { name: 'app', image: 'shop/checkout:1.4.2', ports: [{ name: 'http', containerPort: 8080 }] },
      ],
      ...spec,
    },
    status,
  };
}

const ready = (ip: string) => ({
  phase: 'Running',
  podIP: ip,
  conditions: [{ type: 'Ready', status: 'True' }],
  containerStatuses: [
    { name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: minutesAgo(60) } } },
  ],
});

/**
 * A small cluster with one object of each kind an incident touches beyond pods and Deployments:
 * a failed and a completed Job, a CronJob, a StatefulSet whose claim waits for a StorageClass that
 * does not exist, a quota near its limit, RBAC for one service account, a NetworkPolicy, an HPA, an
 * Ingress naming a missing class, Services with and without ready pods, pods that never started,
 * a Secret and a ConfigMap holding a password.
 */
export function resourceObjects(): KubeObject[] {
  return [
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta('migrate', 30, { labels: { app: 'migrate' } }),
      spec: {
        completions: 1,
        parallelism: 1,
        backoffLimit: 2,
        template: { spec: { containers: [{ name: 'migrate', image: 'shop/migrate:7' }] } },
      },
      status: {
        startTime: minutesAgo(30),
        failed: 3,
        conditions: [
          { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded' },
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: meta('migrate.18a2b3c4d5e6f7a8', 25),
      involvedObject: { apiVersion: 'batch/v1', kind: 'Job', name: 'migrate', namespace: 'shop' },
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
      type: 'Warning',
      source: { component: 'job-controller' },
      firstTimestamp: minutesAgo(25),
      lastTimestamp: minutesAgo(25),
      count: 1,
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta('report', 120),
      spec: {
        completions: 1,
        template: { spec: { containers: [{ name: 'report', image: 'shop/report:2' }] } },
      },
      status: {
        startTime: minutesAgo(120),
        completionTime: new Date(Date.parse(minutesAgo(120)) + 95_000).toISOString(),
        succeeded: 1,
        conditions: [{ type: 'Complete', status: 'True' }],
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta('nightly', 14_400),
      spec: {
        schedule: '0 2 * * *',
        suspend: false,
        jobTemplate: {
          spec: { template: { spec: { containers: [{ name: 'n', image: 'shop/nightly:1' }] } } },
        },
      },
      status: { lastScheduleTime: minutesAgo(750) },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: meta('db', 5),
      spec: {
        replicas: 1,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { spec: { containers: [{ name: 'postgres', image: 'postgres:16' }] } },
      },
      status: { replicas: 1, readyReplicas: 0 },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta('node-agent', 4_320),
      spec: {
        selector: { matchLabels: { app: 'node-agent' } },
        template: {
          spec: {
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            containers: [{ name: 'agent', image: 'agent:3' }],
          },
        },
      },
      status: {
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 2,
        updatedNumberScheduled: 3,
        numberAvailable: 2,
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: meta('compute', 1_440),
      spec: {
        hard: {
          pods: '10',
          'requests.cpu': '2',
          'requests.memory': '2Gi',
          'limits.cpu': '4',
          'limits.memory': '4Gi',
        },
      },
      status: {
        hard: {
          pods: '10',
          'requests.cpu': '2',
          'requests.memory': '2Gi',
          'limits.cpu': '4',
          'limits.memory': '4Gi',
        },
        used: {
          pods: '5',
          'requests.cpu': '1900m',
          'requests.memory': '1Gi',
          'limits.cpu': '3',
          'limits.memory': '3Gi',
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: meta('defaults', 1_440),
      spec: { limits: [{ type: 'Container', default: { memory: '256Mi' } }] },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta('data-db-0', 5),
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'fast-ssd',
        resources: { requests: { storage: '10Gi' } },
      },
      status: { phase: 'Pending' },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta('logs', 1_440),
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'standard',
        volumeName: 'pv-logs',
        resources: { requests: { storage: '1Gi' } },
      },
      status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: clusterMeta('pv-logs', 1_440),
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: 'standard',
        claimRef: { namespace: 'shop', name: 'logs' },
      },
      status: { phase: 'Bound' },
    },
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: clusterMeta('standard', 43_200, {
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      }),
      provisioner: 'rancher.io/local-path',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('deny-egress', 20),
      spec: { podSelector: { matchLabels: { app: 'checkout' } }, policyTypes: ['Egress'], egress: [] },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta('web', 600),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
          },
        ],
      },
      status: { currentReplicas: 2, desiredReplicas: 2 },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta('shop', 90),
      spec: {
        ingressClassName: 'nginx-internal',
        rules: [
          {
            host: 'shop.example.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'checkout', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: clusterMeta('nginx', 43_200),
      spec: { controller: 'k8s.io/ingress-nginx' },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('orders', 1_440) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta('pod-reader', 1_440),
      rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta('orders-reads-pods', 1_440),
      subjects: [{ kind: 'ServiceAccount', name: 'orders', namespace: 'shop' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: clusterMeta('config-reader', 1_440),
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta('orders-reads-config', 1_440),
      subjects: [{ kind: 'ServiceAccount', name: 'orders' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'config-reader' },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('checkout', 1_440, { labels: { app: 'checkout' } }),
      spec: {
        selector: { app: 'checkout' },
        clusterIP: '10.96.0.20',
        ports: [{ name: 'web', port: 80, targetPort: 'http' }],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('ghost', 1_440),
      spec: { selector: { app: 'ghost' }, clusterIP: '10.96.0.21', ports: [{ port: 80, targetPort: 8080 }] },
    },
    pod('checkout-1', { app: 'checkout' }, ready('10.0.0.5')),
    pod(
      'checkout-2',
      { app: 'checkout' },
      {
        phase: 'Running',
        podIP: '10.0.0.6',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          { name: 'app', ready: false, restartCount: 0, state: { running: { startedAt: minutesAgo(2) } } },
        ],
      },
    ),
    pod(
      'checkout-3',
      { app: 'checkout' },
      {
        phase: 'Pending',
        containerStatuses: [
          { name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
        ],
      },
      { volumes: [{ name: 'config', configMap: { name: 'checkout-config' } }] },
    ),
    pod(
      'web-init',
      { app: 'web' },
      {
        phase: 'Pending',
        initContainerStatuses: [
          {
            name: 'wait-db',
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 127, reason: 'Error' } },
          },
        ],
        containerStatuses: [
          { name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
        ],
      },
      {
        initContainers: [
          {
            name: 'wait-db',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'untill nc -z db 5432; do sleep 1; done'],
          },
        ],
        containers: [{ name: 'web', image: 'shop/web:3' }],
      },
    ),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('checkout-settings', 1_440, {
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"DB_PASSWORD":"hunter2"}}',
        },
        managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
      }),
      data: {
        DB_HOST: 'db.shop.svc',
        DB_PASSWORD: 'hunter2',
        'app.properties': 'timeout=5s\nredis.url=redis://:s3cr3t@redis:6379\n',
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta('db-credentials', 1_440),
      type: 'Opaque',
      data: { password: Buffer.from('hunter2').toString('base64') },
    },
  ];
}

/** A scenario around `resourceObjects()` (or other objects), for starting a sandbox without a directory. */
export function resourceScenario(objects: KubeObject[] = resourceObjects()): Scenario {
  return {
    name: 'resources',
    dir: '/nonexistent/resources',
    title: 'hand-built cluster of assorted kinds',
    service: 'checkout',
    namespace: 'shop',
    repository: 'example/shop',
    now: clusterNow,
    expect: { status: 'diagnosed', rootCause: [], files: [], commits: [], forbid: [] },
    objects,
    logs: { 'checkout-1': 'listening on :8080\n', 'web-init.wait-db': 'sh: untill: not found\n' },
    repoFiles: {},
    commits: [],
  };
}
