import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApisApi, AuthenticationV1Api, AuthorizationV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { itWithKubectl, KUBECTL, reportKubectlChecksNotRun } from './helpers/kubectl.js';
import { resourceObjects, resourceScenario } from './helpers/resource-cluster.js';

const run = promisify(execFile);
const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

let sandbox: Sandbox;
let bare: Sandbox;
let kubeConfig: KubeConfig;
let home: string;

beforeAll(async () => {
  sandbox = await startSandbox(resourceScenario());
  // The same cluster without any RBAC object: access reviews then allow everything.
  bare = await startSandbox(
    resourceScenario(resourceObjects().filter((o) => !o.apiVersion.startsWith('rbac.authorization.k8s.io'))),
  );
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sandbox.kubeconfigPath);
  home = await mkdtemp(join(tmpdir(), 'kubectl-home-'));
});
afterAll(async () => {
  await sandbox.close();
  await bare.close();
  await rm(home, { recursive: true, force: true });
});

async function get(path: string, accept = 'application/json') {
  const response = await fetch(`${sandbox.urls.kubernetes}${path}`, { headers: { accept } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface Table {
  columnDefinitions: { name: string; priority: number }[];
  rows: { cells: unknown[] }[];
}

/** Column names kubectl shows by default, and each row's cells in those columns. */
async function table(path: string): Promise<{ columns: string[]; rows: unknown[][] }> {
  const { body } = await get(path, tableAccept);
  const t = body as unknown as Table;
  const shown = t.columnDefinitions.map((c, i) => [c, i] as const).filter(([c]) => c.priority === 0);
  return {
    columns: shown.map(([c]) => c.name),
    rows: t.rows.map((row) => shown.map(([, i]) => row.cells[i])),
  };
}

async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '/usr/bin', HOME: home };
  try {
    const { stdout, stderr } = await run('kubectl', ['--kubeconfig', sandbox.kubeconfigPath, ...args], {
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

reportKubectlChecksNotRun('the kubectl checks in test/sandbox-kinds.test.ts');

const header = (stdout: string) => (stdout.split('\n')[0] ?? '').trim().split(/\s{2,}/);

describe('discovery of every kind', () => {
  it('lists the groups a 1.32 cluster serves, with short names and scope', async () => {
    const groups = await kubeConfig.makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toEqual(
      expect.arrayContaining([
        'rbac.authorization.k8s.io',
        'storage.k8s.io',
        'discovery.k8s.io',
        'networking.k8s.io',
        'policy',
        'scheduling.k8s.io',
      ]),
    );
    expect(groups.groups.find((g) => g.name === 'autoscaling')?.preferredVersion?.version).toBe('v2');
    const core = (await get('/api/v1')).body as { resources: { name: string; shortNames?: string[] }[] };
    const shortNames = Object.fromEntries(core.resources.map((r) => [r.name, r.shortNames]));
    expect(shortNames).toMatchObject({
      resourcequotas: ['quota'],
      limitranges: ['limits'],
      persistentvolumeclaims: ['pvc'],
    });
    const storage = (await get('/apis/storage.k8s.io/v1')).body as {
      resources: { name: string; namespaced: boolean; shortNames?: string[] }[];
    };
    expect(storage.resources.find((r) => r.name === 'storageclasses')).toMatchObject({
      namespaced: false,
      shortNames: ['sc'],
    });
    const networking = (await get('/apis/networking.k8s.io/v1')).body as {
      resources: { name: string; namespaced: boolean; shortNames?: string[] }[];
    };
    expect(networking.resources.map((r) => [r.name, r.namespaced, r.shortNames ?? []])).toEqual([
      ['ingressclasses', false, []],
      ['ingresses', true, ['ing']],
      ['networkpolicies', true, ['netpol']],
    ]);
  });

  it('lists a kind the scenario lacks as empty, and refuses to list reviews', async () => {
    const pdbs = await get('/apis/policy/v1/namespaces/shop/poddisruptionbudgets');
    expect(pdbs).toMatchObject({ status: 200, body: { kind: 'PodDisruptionBudgetList', items: [] } });
    expect((await get('/apis/authorization.k8s.io/v1/subjectaccessreviews')).status).toBe(405);
  });

  it('pages a list with limit and continue', async () => {
    const first = await get('/api/v1/namespaces/shop/pods?limit=3');
    const metadata = first.body.metadata as { continue?: string; remainingItemCount?: number };
    expect((first.body.items as unknown[]).length).toBe(3);
    expect(metadata.remainingItemCount).toBe(1);
    const rest = await get(`/api/v1/namespaces/shop/pods?limit=3&continue=${metadata.continue ?? ''}`);
    expect((rest.body.items as { metadata: { name: string } }[]).map((p) => p.metadata.name)).toEqual([
      'web-init',
    ]);
    expect(rest.body.metadata).not.toHaveProperty('continue');
  });
});

describe('kubectl get columns, ages from the scenario clock', () => {
  it('Jobs: status, completions, duration', async () => {
    expect(await table('/apis/batch/v1/namespaces/shop/jobs')).toEqual({
      columns: ['Name', 'Status', 'Completions', 'Duration', 'Age'],
      rows: [
        ['migrate', 'Failed', '0/1', '30m', '30m'],
        ['report', 'Complete', '1/1', '95s', '120m'],
      ],
    });
    if (KUBECTL !== undefined) {
      const { stdout } = await kubectl('get', 'jobs');
      expect(header(stdout)).toEqual(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
      expect(stdout).toMatch(/migrate\s+Failed\s+0\/1\s+30m\s+30m/);
    }
  });

  it('CronJobs, StatefulSets and DaemonSets', async () => {
    expect(await table('/apis/batch/v1/namespaces/shop/cronjobs')).toEqual({
      columns: ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age'],
      rows: [['nightly', '0 2 * * *', '<none>', 'False', 0, '12h', '10d']],
    });
    expect(await table('/apis/apps/v1/namespaces/shop/statefulsets')).toEqual({
      columns: ['Name', 'Ready', 'Age'],
      rows: [['db', '0/1', '5m']],
    });
    expect(await table('/apis/apps/v1/namespaces/shop/daemonsets')).toEqual({
      columns: ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age'],
      rows: [['node-agent', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '3d']],
    });
    if (KUBECTL !== undefined) {
      const { stdout } = await kubectl('get', 'sts');
      expect(header(stdout)).toEqual(['NAME', 'READY', 'AGE']);
    }
  });

  it('ResourceQuotas and LimitRanges', async () => {
    expect(await table('/api/v1/namespaces/shop/resourcequotas')).toEqual({
      columns: ['Name', 'Request', 'Limit', 'Age'],
      rows: [
        [
          'compute',
          'pods: 5/10, requests.cpu: 1900m/2, requests.memory: 1Gi/2Gi',
          'limits.cpu: 3/4, limits.memory: 3Gi/4Gi',
          '24h',
        ],
      ],
    });
    if (KUBECTL !== undefined) {
      const { stdout } = await kubectl('get', 'quota');
      expect(header(stdout)).toEqual(['NAME', 'REQUEST', 'LIMIT', 'AGE']);
    }
    expect(await table('/api/v1/namespaces/shop/limitranges')).toEqual({
      columns: ['Name', 'Created At'],
      rows: [['defaults', '2026-11-19T14:30:00Z']],
    });
  });

  it('PersistentVolumeClaims, PersistentVolumes and StorageClasses', async () => {
    expect(await table('/api/v1/namespaces/shop/persistentvolumeclaims')).toEqual({
      columns: [
        'Name',
        'Status',
        'Volume',
        'Capacity',
        'Access Modes',
        'StorageClass',
        'VolumeAttributesClass',
        'Age',
      ],
      rows: [
        ['data-db-0', 'Pending', '', '', '', 'fast-ssd', '<unset>', '5m'],
        ['logs', 'Bound', 'pv-logs', '1Gi', 'RWO', 'standard', '<unset>', '24h'],
      ],
    });
    if (KUBECTL !== undefined) {
      const { stdout } = await kubectl('get', 'pvc');
      expect(header(stdout)).toEqual([
        'NAME',
        'STATUS',
        'VOLUME',
        'CAPACITY',
        'ACCESS MODES',
        'STORAGECLASS',
        'VOLUMEATTRIBUTESCLASS',
        'AGE',
      ]);
    }
    expect(await table('/api/v1/persistentvolumes')).toEqual({
      columns: [
        'Name',
        'Capacity',
        'Access Modes',
        'Reclaim Policy',
        'Status',
        'Claim',
        'StorageClass',
        'VolumeAttributesClass',
        'Reason',
        'Age',
      ],
      rows: [['pv-logs', '1Gi', 'RWO', 'Delete', 'Bound', 'shop/logs', 'standard', '<unset>', '', '24h']],
    });
    expect(await table('/apis/storage.k8s.io/v1/storageclasses')).toEqual({
      columns: ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age'],
      rows: [['standard (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', false, '30d']],
    });
  });

  it('NetworkPolicies, HPAs, Ingresses and IngressClasses', async () => {
    expect(await table('/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies')).toEqual({
      columns: ['Name', 'Pod-Selector', 'Age'],
      rows: [['deny-egress', 'app=checkout', '20m']],
    });
    expect(await table('/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers')).toEqual({
      columns: ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age'],
      rows: [['web', 'Deployment/web', 'cpu: <unknown>/80%', '2', 5, 2, '10h']],
    });
    expect(await table('/apis/networking.k8s.io/v1/namespaces/shop/ingresses')).toEqual({
      columns: ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age'],
      rows: [['shop', 'nginx-internal', 'shop.example.com', '', '80', '90m']],
    });
    expect(await table('/apis/networking.k8s.io/v1/ingressclasses')).toEqual({
      columns: ['Name', 'Controller', 'Parameters', 'Age'],
      rows: [['nginx', 'k8s.io/ingress-nginx', '<none>', '30d']],
    });
    if (KUBECTL !== undefined) {
      const { stdout } = await kubectl('get', 'hpa,netpol');
      expect(stdout).toContain('horizontalpodautoscaler.autoscaling/web');
      expect(stdout).toContain('networkpolicy.networking.k8s.io/deny-egress');
    }
  });

  it('RBAC objects and ServiceAccounts', async () => {
    expect(await table('/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings')).toEqual({
      columns: ['Name', 'Role', 'Age'],
      rows: [
        ['orders-reads-config', 'ClusterRole/config-reader', '24h'],
        ['orders-reads-pods', 'Role/pod-reader', '24h'],
      ],
    });
    expect(await table('/apis/rbac.authorization.k8s.io/v1/clusterroles')).toEqual({
      columns: ['Name', 'Created At'],
      rows: [['config-reader', '2026-11-19T14:30:00Z']],
    });
    expect(await table('/api/v1/namespaces/shop/serviceaccounts')).toEqual({
      columns: ['Name', 'Secrets', 'Age'],
      rows: [['orders', 0, '24h']],
    });
    if (KUBECTL !== undefined) {
      const wide = await kubectl('get', 'rolebindings', '-o', 'wide');
      expect(wide.stdout).toMatch(/orders-reads-pods\s+Role\/pod-reader\s+24h\s+shop:orders/);
    }
  });
});

describe('custom resources of a CRD in the scenario', () => {
  it('serves the kind with the CRD names and printer columns', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'certificates.cert-manager.io' },
      spec: {
        group: 'cert-manager.io',
        scope: 'Namespaced',
        names: {
          kind: 'Certificate',
          plural: 'certificates',
          singular: 'certificate',
          shortNames: ['cert', 'certs'],
        },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            additionalPrinterColumns: [
              { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
              { name: 'Secret', type: 'string', jsonPath: '.spec.secretName' },
              { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
            ],
          },
        ],
      },
    };
    const certificate = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'shop-tls', namespace: 'shop', creationTimestamp: '2026-11-20T13:30:00Z' },
      spec: { secretName: 'shop-tls' },
      status: {
        conditions: [
          { type: 'Issuing', status: 'True' },
          { type: 'Ready', status: 'False' },
        ],
      },
    };
    const custom = await startSandbox(resourceScenario([crd, certificate]));
    try {
      const list = (await (await fetch(`${custom.urls.kubernetes}/apis/cert-manager.io/v1`)).json()) as {
        resources: { name: string; shortNames?: string[]; namespaced: boolean }[];
      };
      expect(list.resources).toEqual([
        expect.objectContaining({ name: 'certificates', namespaced: true, shortNames: ['cert', 'certs'] }),
      ]);
      if (KUBECTL !== undefined) {
        const { stdout } = await run('kubectl', ['--kubeconfig', custom.kubeconfigPath, 'get', 'cert'], {
          env: { PATH: process.env.PATH ?? '/usr/bin', HOME: home },
        });
        expect(
          stdout
            .trim()
            .split('\n')
            .map((line) => line.trim().split(/\s{2,}/)),
        ).toEqual([
          ['NAME', 'READY', 'SECRET', 'AGE'],
          ['shop-tls', 'False', 'shop-tls', '60m'],
        ]);
      }
    } finally {
      await custom.close();
    }
  });
});

describe('kubectl describe, at the scenario clock', () => {
  it('prints event ages as at the scenario now, whatever the machine clock says', async () => {
    if (KUBECTL !== undefined) {
      const { stdout } = await kubectl('describe', 'job', 'migrate');
      expect(stdout).toMatch(
        /Warning\s+BackoffLimitExceeded\s+25m\s+job-controller\s+Job has reached the specified backoff limit/,
      );
    }
    // Other clients keep the scenario's own times.
    const { body } = await get('/api/v1/namespaces/shop/events');
    expect((body.items as { lastTimestamp: string }[])[0]?.lastTimestamp).toBe('2026-11-20T14:05:00Z');
  });
});

describe('Endpoints and EndpointSlices derived for Services', () => {
  it('puts ready pods in addresses and others in notReadyAddresses, on the resolved target port', async () => {
    const { body } = await get('/api/v1/namespaces/shop/endpoints/checkout');
    expect(body).toMatchObject({
      kind: 'Endpoints',
      subsets: [
        {
          addresses: [{ ip: '10.0.0.5', nodeName: 'node-a', targetRef: { kind: 'Pod', name: 'checkout-1' } }],
          notReadyAddresses: [{ ip: '10.0.0.6', targetRef: { name: 'checkout-2' } }],
          ports: [{ name: 'web', port: 8080, protocol: 'TCP' }],
        },
      ],
    });
    expect((await get('/api/v1/namespaces/shop/endpoints/ghost')).body).not.toHaveProperty('subsets');
    if (KUBECTL !== undefined) {
      const { stdout } = await kubectl('get', 'endpoints');
      expect(stdout).toMatch(/checkout\s+10\.0\.0\.5:8080/);
      expect(stdout).toMatch(/ghost\s+<none>/);
    }
  });

  it('labels one EndpointSlice per Service with its name, conditions and ports', async () => {
    const { body } = await get(
      '/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dcheckout',
    );
    const items = body.items as Record<string, unknown>[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      addressType: 'IPv4',
      metadata: { ownerReferences: [{ kind: 'Service', name: 'checkout', controller: true }] },
      endpoints: [
        { addresses: ['10.0.0.5'], conditions: { ready: true }, targetRef: { name: 'checkout-1' } },
        { addresses: ['10.0.0.6'], conditions: { ready: false }, targetRef: { name: 'checkout-2' } },
      ],
      ports: [{ name: 'web', port: 8080, protocol: 'TCP' }],
    });
    const slices = await table('/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices');
    expect(slices.columns).toEqual(['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
    expect(slices.rows.map((row) => row.slice(1, 4))).toEqual(
      expect.arrayContaining([
        ['IPv4', '8080', '10.0.0.5,10.0.0.6'],
        ['IPv4', '<unset>', '<unset>'],
      ]),
    );
  });
});

describe('access reviews from the scenario RBAC', () => {
  const review = (verb: string, resource: string, namespace: string, extra: Record<string, string> = {}) =>
    kubeConfig.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
      body: {
        spec: {
          user: 'system:serviceaccount:shop:orders',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'],
          resourceAttributes: { verb, resource, namespace, ...extra },
        },
      },
    });

  it('allows what a Role bound by a RoleBinding grants, and says which binding', async () => {
    const allowed = await review('list', 'pods', 'shop');
    expect(allowed.status).toMatchObject({
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "orders-reads-pods/shop" of Role "pod-reader" to ServiceAccount "orders/shop"',
    });
    expect((await review('get', 'pods', 'shop', { subresource: 'log' })).status?.allowed).toBe(true);
  });

  it('allows a ClusterRole bound in one namespace there only', async () => {
    expect((await review('get', 'configmaps', 'shop')).status).toMatchObject({
      allowed: true,
      reason: expect.stringContaining(
        'RoleBinding "orders-reads-config/shop" of ClusterRole "config-reader"',
      ),
    });
    expect((await review('get', 'configmaps', 'kube-system')).status?.allowed).toBe(false);
  });

  it('denies verbs and resources no rule grants', async () => {
    expect((await review('delete', 'pods', 'shop')).status).toEqual({ allowed: false });
    expect((await review('get', 'secrets', 'shop')).status?.allowed).toBe(false);
  });

  itWithKubectl(
    'answers kubectl auth can-i as an impersonated service account (protobuf reviews)',
    async () => {
      const as = '--as=system:serviceaccount:shop:orders';
      expect((await kubectl('auth', 'can-i', 'list', 'pods', '-n', 'shop', as)).stdout.trim()).toBe('yes');
      const denied = await kubectl('auth', 'can-i', 'delete', 'pods', '-n', 'shop', as);
      expect(denied.stdout.trim()).toBe('no');
      expect((await kubectl('auth', 'can-i', 'delete', 'pods', '-n', 'shop')).stdout.trim()).toBe('yes');
    },
  );

  itWithKubectl('lists what an impersonated service account may do (kubectl auth can-i --list)', async () => {
    const { stdout } = await kubectl(
      'auth',
      'can-i',
      '--list',
      '-n',
      'shop',
      '--as=system:serviceaccount:shop:orders',
    );
    const rows = stdout
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s{2,}/));
    expect(rows).toEqual(
      expect.arrayContaining([
        ['pods', '[]', '[]', '[get list watch]'],
        ['pods/log', '[]', '[]', '[get list watch]'],
        ['configmaps', '[]', '[]', '[get list]'],
      ]),
    );
    expect(stdout).not.toContain('secrets');
  });

  it("names the sandbox's own user, an admin", async () => {
    const self = await kubeConfig.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(self.status?.userInfo?.username).toBe('kubernetes-admin');
    const ssar = await kubeConfig.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { verb: 'list', resource: 'secrets', namespace: 'shop' } } },
    });
    expect(ssar.status?.allowed).toBe(true);
  });

  it('allows everything in a scenario without RBAC objects', async () => {
    const bareConfig = new KubeConfig();
    bareConfig.loadFromFile(bare.kubeconfigPath);
    const answer = await bareConfig.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
      body: {
        spec: {
          user: 'system:serviceaccount:shop:orders',
          resourceAttributes: { verb: 'delete', resource: 'pods', namespace: 'shop' },
        },
      },
    });
    expect(answer.status?.allowed).toBe(true);
  });
});

describe('logs of containers that never started', () => {
  it('answers 400 "waiting to start" with the waiting reason, as the kubelet does', async () => {
    const creating = await get('/api/v1/namespaces/shop/pods/checkout-3/log');
    expect(creating).toMatchObject({
      status: 400,
      body: {
        kind: 'Status',
        reason: 'BadRequest',
        message: 'container "app" in pod "checkout-3" is waiting to start: ContainerCreating',
      },
    });
    const initializing = await get('/api/v1/namespaces/shop/pods/web-init/log?container=web');
    expect(initializing.body.message).toBe(
      'container "web" in pod "web-init" is waiting to start: PodInitializing',
    );
    if (KUBECTL !== undefined) {
      const { stderr } = await kubectl('logs', 'web-init', '-c', 'web');
      expect(stderr.trim()).toBe(
        'Error from server (BadRequest): container "web" in pod "web-init" is waiting to start: PodInitializing',
      );
    }
  });

  itWithKubectl('still serves the crashing init container its last instance', async () => {
    const { stdout } = await kubectl('logs', 'web-init', '-c', 'wait-db');
    expect(stdout).toBe('sh: untill: not found\n');
  });
});
