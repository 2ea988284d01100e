import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { parseCloudDenial } from '../src/llm/offline/rules/cloud-denial.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a cloud refusal whose identity is the node's (an instance-profile session, the default
 * compute account) or no identity at all means the pod's workload identity is not applied: the
 * ServiceAccount's mapping (annotation, pod label) is missing, and the change that removed it is the
 * culprit. A refusal of the role the ServiceAccount maps to is that role's IAM policy instead.
 */
const codeCommit = {
  sha: 'eeee5555eeee5555eeee5555eeee5555eeee5555',
  message: 'reports: add the weekly summary',
  date: '2026-12-01T09:00:00Z',
  files: [{ path: 'reports/weekly.py', patch: '@@ -1,1 +1,2 @@\n+def weekly(): return build("week")' }],
};

function podObject(name: string, account: string, labels: Record<string, string> = {}) {
  return {
    kind: 'Pod',
    metadata: { name, namespace: 'shop', labels },
    spec: { serviceAccountName: account, containers: [{ name: 'app', image: 'registry.example/app:3' }] },
  };
}

function serviceAccount(name: string, annotations: Record<string, string> = {}) {
  return { kind: 'ServiceAccount', metadata: { name, namespace: 'shop', annotations } };
}

describe('a GKE pod running as the node default compute account', () => {
  const pod = 'reporter-6c7d8e9f0a-p4o5i';
  const line =
    "2026-12-01T11:57:00Z ERROR export failed: google.api_core.exceptions.Forbidden: 403 POST https://storage.googleapis.com/upload/storage/v1/b/finance-exports/o?uploadType=multipart: 480213556120-compute@developer.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object. Permission 'storage.objects.create' denied on resource (or it may not exist).";
  const chartCommit = {
    sha: 'ffff6666ffff6666ffff6666ffff6666ffff6666',
    message: 'chart: tidy service account template',
    date: '2026-11-30T16:00:00Z',
    files: [
      {
        path: 'chart/templates/serviceaccount.yaml',
        patch:
          '@@ -1,7 +1,5 @@\n apiVersion: v1\n kind: ServiceAccount\n metadata:\n   name: reporter\n-  annotations:\n-    iam.gke.io/gcp-service-account: reporter@finance-prod.iam.gserviceaccount.com',
      },
    ],
  };
  const cluster: FakeCluster = {
    workloads: {
      reporter: {
        workload: { kind: 'Deployment', name: 'reporter' },
        pods: [{ name: pod, containers: [running('reporter')] }],
      },
    },
    logs: { [pod]: `${line}\n`.repeat(5) },
    objects: [
      podObject(pod, 'reporter'),
      serviceAccount('reporter', { 'meta.helm.sh/release-name': 'reporter' }),
    ],
    commits: [codeCommit, chartCommit],
  };

  it('names the missing Workload Identity annotation and the commit that removed it', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'reporter' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('iam.gke.io/gcp-service-account');
    expect(said(findings)).toMatch(/node's identity/);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(chartCommit.sha);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('chart/templates/serviceaccount.yaml');
    expect(ctx.casebook.evidence[0]?.source).toBe('logs');
    expect(findings.suggestedFix).toContain('reporter@finance-prod.iam.gserviceaccount.com');
  });
});

describe('an EKS pod refused under its own IRSA role', () => {
  const pod = 'orders-5a6b7c8d9e-r1t2y';
  const line =
    '{"level":"error","msg":"save order","error":"operation error DynamoDB: PutItem, https response error StatusCode: 400, RequestID: Q1, api error AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/orders-writer/1764590000123456789 is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/orders because no identity-based policy allows the dynamodb:PutItem action"}';
  const cluster: FakeCluster = {
    workloads: {
      orders: {
        workload: { kind: 'Deployment', name: 'orders' },
        pods: [{ name: pod, containers: [running('orders')] }],
      },
    },
    logs: { [pod]: `${line}\n`.repeat(4) },
    objects: [
      podObject(pod, 'orders'),
      serviceAccount('orders', {
        'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/orders-writer',
      }),
    ],
    commits: [codeCommit],
  };

  it('is the role policy, not a missing identity', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'orders' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('dynamodb:PutItem');
    expect(said(findings)).toMatch(/IAM policy/);
    expect(said(findings)).not.toMatch(/not applied/);
  });
});

describe('an AKS pod the workload identity webhook skipped', () => {
  const pod = 'mailer-7b8c9d0e1f-u6y7t';
  const lines = [
    '2026-12-01T11:58:00Z fail: Mailer.Outbox[0] Azure.Identity.CredentialUnavailableException: DefaultAzureCredential failed to retrieve a token from the included credentials.',
    '- WorkloadIdentityCredential authentication unavailable. The workload options are not fully configured.',
    '- ManagedIdentityCredential authentication unavailable. No response received from the managed identity endpoint.',
  ].join(' ');
  const labelCommit = {
    sha: '1111777711117777111177771111777711117777',
    message: 'deploy: drop unused pod labels',
    date: '2026-11-30T10:00:00Z',
    files: [
      {
        path: 'k8s/mailer/deployment.yaml',
        patch:
          '@@ -14,4 +14,3 @@\n       labels:\n         app: mailer\n-        azure.workload.identity/use: "true"\n     spec:',
      },
    ],
  };
  const cluster: FakeCluster = {
    workloads: {
      mailer: {
        workload: { kind: 'Deployment', name: 'mailer' },
        pods: [{ name: pod, containers: [running('mailer')] }],
      },
    },
    logs: { [pod]: `${lines}\n`.repeat(4) },
    objects: [
      podObject(pod, 'mailer', { app: 'mailer' }),
      serviceAccount('mailer', {
        'azure.workload.identity/client-id': '5d1f0c6a-3b2e-4c9d-8f7a-1e2d3c4b5a69',
      }),
    ],
    commits: [codeCommit, labelCommit],
  };

  it('names the missing pod label and the commit that removed it', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'mailer' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('azure.workload.identity/use');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(labelCommit.sha);
  });
});

describe('reading cloud denials', () => {
  it('tells a node instance-profile session from a workload role session', () => {
    const node = parseCloudDenial(
      'AccessDenied: User: arn:aws:sts::123456789012:assumed-role/ng-workers/i-0a1b2c3d4e5f60718 is not authorized to perform: sqs:SendMessage',
    );
    expect(node).toMatchObject({
      cloud: 'aws',
      nodeIdentity: true,
      action: 'sqs:SendMessage',
      principalName: 'ng-workers',
    });
    const own = parseCloudDenial(
      'AccessDenied: User: arn:aws:sts::123456789012:assumed-role/app-role/botocore-session-1700000000 is not authorized to perform: sqs:SendMessage',
    );
    expect(own?.nodeIdentity).toBe(false);
    expect(parseCloudDenial('INFO using role arn:aws:sts::123456789012:assumed-role/app-role/s1')).toBeNull();
  });
});

describe('a refusal naming no identity from a pod whose mapping is in place', () => {
  const pod = 'thumbs-3d4e5f6a7b-g5h6j';
  const line =
    "2026-12-01T11:58:00Z ERROR put failed: 403 Caller does not have storage.objects.create access to the Google Cloud Storage object. Permission 'storage.objects.create' denied on resource (or it may not exist).";
  const cluster: FakeCluster = {
    workloads: {
      thumbs: {
        workload: { kind: 'Deployment', name: 'thumbs' },
        pods: [{ name: pod, containers: [running('thumbs')] }],
      },
    },
    logs: { [pod]: `${line}\n`.repeat(4) },
    objects: [
      podObject(pod, 'thumbs'),
      serviceAccount('thumbs', {
        'iam.gke.io/gcp-service-account': 'thumbs@media-prod.iam.gserviceaccount.com',
      }),
    ],
    commits: [codeCommit],
  };

  it('is the mapped account missing the permission', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'thumbs' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('thumbs@media-prod.iam.gserviceaccount.com');
    expect(said(findings)).toMatch(/IAM policy/);
  });
});
