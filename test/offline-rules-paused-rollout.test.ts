import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a Deployment whose rollout is paused with pods of an older ReplicaSet still serving
 * is not healthy, even when every pod runs and is ready: the new version reaches only some requests.
 */
const newPod = 'quotes-7d9c8b6f5-a1b2c';
const oldPods = ['quotes-5f6a7b8c9-d3e4f', 'quotes-5f6a7b8c9-g5h6i'];

function cluster(paused: boolean, updated: number): FakeCluster {
  const clean = '2026-12-01T11:59:00Z INFO GET /quote 200 3ms\n';
  return {
    workloads: {
      quotes: {
        workload: { kind: 'Deployment', name: 'quotes' },
        pods: [newPod, ...oldPods].map((name) => ({ name, containers: [running('quotes')] })),
      },
    },
    events: [],
    logs: Object.fromEntries([newPod, ...oldPods].map((name) => [name, clean])),
    deployments: {
      quotes: {
        name: 'quotes',
        namespace: 'default',
        paused,
        replicas: { desired: 3, updated, ready: 3, available: 3, unavailable: 0 },
        conditions: [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
          paused
            ? {
                type: 'Progressing',
                status: 'Unknown',
                reason: 'DeploymentPaused',
                lastTransitionTime: '2026-12-01T09:00:00Z',
              }
            : { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
        ],
        containers: [],
        rolloutHistory: [
          {
            revision: 8,
            replicaSet: 'quotes-7d9c8b6f5',
            images: ['reg/quotes:2.1.0'],
            replicas: updated,
            readyReplicas: updated,
            current: true,
          },
          {
            revision: 7,
            replicaSet: 'quotes-5f6a7b8c9',
            images: ['reg/quotes:2.0.9'],
            replicas: 3 - updated,
            readyReplicas: 3 - updated,
            current: false,
          },
        ],
      },
    },
  };
}

async function diagnose(c: FakeCluster) {
  const ctx = engineContext(fakeTools(c), { service: 'quotes', now: '2026-12-01T12:00:00Z' });
  return new OfflineEngine().diagnose(ctx);
}

describe('a rollout left paused', () => {
  it('is diagnosed, with both versions and how to finish it, though every pod is ready', async () => {
    const findings = await diagnose(cluster(true, 1));
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/paused/);
    expect(said(findings)).toContain('reg/quotes:2.0.9');
    expect(said(findings)).toContain('1 of 3');
    expect(findings.suggestedFix).toContain('kubectl rollout resume deployment/quotes');
    expect(findings.suggestedFix).not.toMatch(/rollout undo/);
  });

  it('does not blame the commit that built the version the pause holds back', async () => {
    const c = cluster(true, 1);
    c.commits = [
      {
        sha: 'ccc3333000000000000000000000000000000000',
        message: 'quotes: round half up (2.1.0)',
        date: '2026-12-01T08:30:00Z',
        files: [
          {
            path: 'k8s/quotes/deployment.yaml',
            patch: '@@ -20,1 +20,1 @@\n-        image: reg/quotes:2.0.9\n+        image: reg/quotes:2.1.0',
          },
        ],
      },
    ];
    const ctx = engineContext(fakeTools(c), { service: 'quotes', now: '2026-12-01T12:00:00Z' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(ctx.casebook.suspectCommits).toEqual([]);
    expect(findings.suggestedFix).not.toMatch(/where to fix or revert/);
  });

  it('is no fault once every pod runs the new template, paused or not', async () => {
    expect((await diagnose(cluster(true, 3))).status).toBe('healthy');
    expect((await diagnose(cluster(false, 3))).status).toBe('healthy');
  });
});
