import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/** Principle: name the mechanism the events and logs give, not only the symptom. */
async function diagnose(cluster: FakeCluster, service: string) {
  const ctx = engineContext(fakeTools(cluster), { service });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

describe('a ReadWriteOnce volume another node still holds', () => {
  it('names the Multi-Attach error before the mount timeout, and the rolling update behind it', async () => {
    const pod = 'wiki-5d8f7c6b9-n4m2k';
    const { findings, ctx } = await diagnose(
      {
        workloads: {
          wiki: {
            workload: { kind: 'Deployment', name: 'wiki' },
            pods: [
              {
                name: pod,
                phase: 'Pending',
                ready: '0/1',
                containers: [{ name: 'wiki', ready: false, state: 'waiting', reason: 'ContainerCreating' }],
              },
              { name: 'wiki-7b6c5d4e3-a1b2c', containers: [running('wiki')] },
            ],
          },
        },
        events: [
          {
            type: 'Warning',
            reason: 'FailedMount',
            object: `Pod/${pod}`,
            count: 4,
            message:
              'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data]: timed out waiting for the condition',
          },
          {
            type: 'Warning',
            reason: 'FailedAttachVolume',
            object: `Pod/${pod}`,
            count: 1,
            message:
              'Multi-Attach error for volume "pvc-3f1e9a2b" Volume is already used by pod(s) wiki-7b6c5d4e3-a1b2c',
          },
        ],
      },
      'wiki',
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('Multi-Attach');
    expect(said(findings)).toContain('pvc-3f1e9a2b');
    expect(said(findings)).toContain('wiki-7b6c5d4e3-a1b2c');
    expect(ctx.casebook.evidence[0]?.detail).toContain('Multi-Attach');
    expect(findings.suggestedFix).toContain('Recreate');
  });
});

describe('an autoscaler at its ceiling', () => {
  it('gives the metric against its target and says maxReplicas blocks more replicas', async () => {
    const { findings } = await diagnose(
      {
        workloads: {
          api: {
            workload: { kind: 'Deployment', name: 'api' },
            pods: [{ name: 'api-6d5c4b3a2-x1y2z', containers: [running('api')] }],
          },
        },
        logs: { 'api-6d5c4b3a2-x1y2z': 'INFO GET / 200\n' },
        objects: [
          {
            kind: 'HorizontalPodAutoscaler',
            metadata: { name: 'api', namespace: 'shop' },
            spec: {
              scaleTargetRef: { kind: 'Deployment', name: 'api' },
              minReplicas: 2,
              maxReplicas: 6,
              metrics: [
                {
                  type: 'Resource',
                  resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 65 } },
                },
              ],
            },
            status: {
              currentReplicas: 6,
              desiredReplicas: 6,
              currentMetrics: [
                { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 187 } } },
              ],
              conditions: [
                {
                  type: 'ScalingLimited',
                  status: 'True',
                  reason: 'TooManyReplicas',
                  message: 'the desired replica count is more than the maximum replica count',
                },
              ],
            },
          },
        ],
      },
      'api',
    );
    expect(said(findings)).toContain('cpu 187% vs 65% target');
    expect(said(findings)).toContain('blocked by maxReplicas 6');
    expect(said(findings)).not.toContain('cannot be helped');
  });
});

describe('a command the image does not have', () => {
  it('names the binary from a line that only says it was not found', async () => {
    const pod = 'backup-29900000-q8w7e';
    const { findings } = await diagnose(
      {
        workloads: {
          backup: {
            workload: { kind: 'Job', name: 'backup-29900000' },
            pods: [
              {
                name: pod,
                phase: 'Failed',
                ready: '0/1',
                ownerKind: 'Job',
                ownerName: 'backup-29900000',
                containers: [
                  { name: 'backup', ready: false, state: 'terminated', reason: 'Error', exitCode: 127 },
                ],
              },
            ],
          },
        },
        logs: { [pod]: 'starting nightly dump of orders\npg_dump: not found\n' },
      },
      'backup',
    );
    expect(said(findings)).toContain('"pg_dump" does not exist in the image');
    expect(said(findings)).toContain('127');
  });
});
