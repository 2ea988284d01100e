import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { missingRefs } from '../src/llm/offline/rules/config.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

async function diagnose(cluster: FakeCluster, service = 'api') {
  const ctx = engineContext(fakeTools(cluster), { service });
  const findings = await new OfflineEngine().diagnose(ctx);
  return { findings, ctx };
}

const deployment = { kind: 'Deployment', name: 'api' };

describe('missing ConfigMap and Secret references', () => {
  it('reads the references kubelets report missing', () => {
    expect(
      missingRefs('MountVolume.SetUp failed for volume "tpl" : configmap "mail-templates" not found'),
    ).toEqual([{ kind: 'ConfigMap', name: 'mail-templates', volume: 'tpl' }]);
    expect(missingRefs("couldn't find key webhook-secret in Secret billing/stripe")).toEqual([
      { kind: 'Secret', name: 'stripe', key: 'webhook-secret' },
    ]);
    expect(missingRefs('secret "db-creds" not found')).toEqual([{ kind: 'Secret', name: 'db-creds' }]);
  });

  it('names the missing ConfigMap of a volume when pods sit in ContainerCreating with FailedMount', async () => {
    const { findings, ctx } = await diagnose({
      workloads: {
        api: {
          workload: deployment,
          pods: [
            {
              name: 'api-7d9f8b6c4-x2k9p',
              phase: 'Pending',
              ready: '0/1',
              containers: [{ name: 'app', ready: false, state: 'waiting', reason: 'ContainerCreating' }],
            },
          ],
        },
      },
      events: [
        {
          type: 'Warning',
          reason: 'FailedMount',
          object: 'Pod/api-7d9f8b6c4-x2k9p',
          count: 12,
          message: 'MountVolume.SetUp failed for volume "templates" : configmap "mail-templates" not found',
        },
      ],
      objects: [
        {
          kind: 'ConfigMap',
          metadata: { name: 'mail-template', namespace: 'shop' },
          data: { 'a.html': 'x' },
        },
      ],
    });
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('ConfigMap mail-templates');
    expect(said(findings)).toContain('ContainerCreating');
    expect(findings.rootCause.statement).toContain('closest: mail-template');
    expect(ctx.casebook.evidence[0]?.detail).toMatch(/^FailedMount/);
  });

  it('names the missing key of a Secret behind CreateContainerConfigError', async () => {
    const { findings } = await diagnose({
      workloads: {
        api: {
          workload: deployment,
          pods: [
            {
              name: 'api-7d9f8b6c4-x2k9p',
              phase: 'Pending',
              ready: '0/1',
              containers: [
                {
                  name: 'app',
                  ready: false,
                  state: 'waiting',
                  reason: 'CreateContainerConfigError',
                  message: "couldn't find key webhook-secret in Secret shop/stripe",
                },
              ],
            },
          ],
        },
      },
    });
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('key webhook-secret of Secret stripe');
    expect(findings.suggestedFix).toContain('Add the key webhook-secret to Secret stripe');
  });

  it('names the Deployment of the failing pod when the service label spans a web and a worker Deployment', async () => {
    const pod = (name: string, rs: string, hash: string, failing: boolean) => ({
      name,
      phase: failing ? 'Pending' : 'Running',
      ready: failing ? '0/1' : '1/1',
      ownerKind: 'ReplicaSet',
      ownerName: rs,
      labels: { 'pod-template-hash': hash },
      containers: [
        failing
          ? {
              name: 'app',
              ready: false,
              state: 'waiting',
              reason: 'CreateContainerConfigError',
              message: 'configmap "mailer-env" not found',
            }
          : { name: 'app', ready: true, state: 'running', restartCount: 0 },
      ],
    });
    const { findings } = await diagnose({
      workloads: {
        api: {
          workload: { kind: 'Deployment', name: 'mailer-web' },
          pods: [
            pod('mailer-web-5b8d7c6f49-q2w7z', 'mailer-web-5b8d7c6f49', '5b8d7c6f49', false),
            pod('mailer-worker-79f4c8d6b7-x5hkd', 'mailer-worker-79f4c8d6b7', '79f4c8d6b7', true),
          ],
        },
      },
    });
    expect(findings.status).toBe('diagnosed');
    expect(findings.rootCause.statement).toContain(
      'The pods of Deployment mailer-worker reference ConfigMap mailer-env',
    );
  });

  it('finds the file a ConfigMap volume lacks when the application cannot open it', async () => {
    const pod = 'catalog-7d9f8b6c4-x2k9p';
    const { findings } = await diagnose(
      {
        workloads: {
          catalog: {
            workload: { kind: 'Deployment', name: 'catalog' },
            pods: [
              {
                name: pod,
                ready: '0/1',
                restarts: 4,
                containers: [
                  running('server', {
                    ready: false,
                    restartCount: 4,
                    state: 'waiting',
                    reason: 'CrashLoopBackOff',
                    lastTermination: { reason: 'Error', exitCode: 1 },
                  }),
                ],
              },
            ],
          },
        },
        logs: {
          [pod]: '',
          [`${pod}.previous`]:
            '{"severity":"fatal","message":"failed to load catalog: open /etc/catalog/products.json: no such file or directory"}',
        },
        objects: [
          {
            kind: 'Pod',
            metadata: { name: pod, namespace: 'shop' },
            spec: {
              containers: [
                { name: 'server', volumeMounts: [{ name: 'catalog', mountPath: '/etc/catalog' }] },
              ],
              volumes: [{ name: 'catalog', configMap: { name: 'catalog-data' } }],
            },
          },
          {
            kind: 'ConfigMap',
            metadata: { name: 'catalog-data', namespace: 'shop' },
            data: { 'catalog.json': '{}' },
          },
        ],
      },
      'catalog',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('ConfigMap catalog-data');
    expect(said(findings)).toContain('catalog.json, not products.json');
  });
});
