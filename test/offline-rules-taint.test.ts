import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: pods Pending on a taint they do not tolerate were blocked by whoever tainted the
 * nodes: the change that wrote the taint's key is the suspect, and rolling the workload back is
 * not the mitigation.
 */
const pending = (name: string) => ({
  name,
  phase: 'Pending',
  ready: '0/1',
  conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }],
  containers: [{ name: 'app', state: 'waiting', reason: 'ContainerCreating', ready: false, restartCount: 0 }],
});

const cluster: FakeCluster = {
  workloads: {
    renderer: {
      workload: { kind: 'Deployment', name: 'renderer' },
      pods: [pending('renderer-6f7d8c9b5-k2l3m')],
    },
  },
  events: [
    {
      type: 'Warning',
      reason: 'FailedScheduling',
      object: 'Pod/renderer-6f7d8c9b5-k2l3m',
      count: 30,
      lastTimestamp: '2026-12-01T11:58:00Z',
      message:
        '0/2 nodes are available: 2 node(s) had untolerated taint {workload-class: batch}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    },
  ],
  logs: {},
  commits: [
    {
      sha: 'aaa1111000000000000000000000000000000000',
      message: 'renderer: bump to 3.2.0',
      date: '2026-12-01T10:00:00Z',
      files: [
        {
          path: 'k8s/renderer/deployment.yaml',
          patch: '@@ -20,1 +20,1 @@\n-        image: renderer:3.1.9\n+        image: renderer:3.2.0',
        },
      ],
    },
    {
      sha: 'bbb2222000000000000000000000000000000000',
      message: 'nodes: new pool for the cluster',
      date: '2026-12-01T09:00:00Z',
      files: [
        {
          path: 'terraform/pools.tf',
          patch:
            '@@ -8,2 +8,7 @@\n   machine_type = "c3-standard-8"\n+  taint {\n+    key    = "workload-class"\n+    value  = "batch"\n+    effect = "NO_SCHEDULE"\n+  }',
        },
      ],
    },
  ],
};

describe('pods Pending on an untolerated taint', () => {
  it('name the taint and the commit that wrote it, with no rollback of the workload', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'renderer', now: '2026-12-01T12:00:00Z' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('workload-class: batch');
    expect(ctx.casebook.suspectCommits.map((c) => c.sha.slice(0, 7))).toEqual(['bbb2222']);
    expect(said(findings)).toContain('key = "workload-class"');
    expect(ctx.casebook.suspectFiles.map((f) => f.path)).toContain('terraform/pools.tf');
    expect(findings.suggestedFix).not.toMatch(/rollout undo/);
    // Either side may be wrong: the fix offers removing the new taint as well as tolerating it.
    expect(findings.suggestedFix).toMatch(/remove workload-class: batch from that node group/);
    expect(findings.suggestedFix).toMatch(/add a toleration for workload-class: batch/);
  });
});
