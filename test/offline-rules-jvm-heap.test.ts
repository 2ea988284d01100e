import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a JVM that throws "OutOfMemoryError: Java heap space" hit its own heap ceiling, not
 * the container's memory limit (the kernel never killed it: exit code 3, reason Error). The heap
 * flag is the fault, and the commit that wrote it is the change to name.
 */
const POD = 'billing-6c8d9f7b5-q2w3e';

function cluster(flags: string, place: 'env' | 'args'): FakeCluster {
  const container = {
    name: 'billing',
    image: 'registry.example/billing:4.1.0',
    ...(place === 'env'
      ? { env: [{ name: 'JAVA_OPTS', value: flags }] }
      : { command: ['java'], args: [...flags.split(' '), '-jar', '/app/billing.jar'] }),
  };
  return {
    workloads: {
      billing: {
        workload: { kind: 'Deployment', name: 'billing' },
        pods: [
          {
            name: POD,
            restarts: 5,
            containers: [
              running('billing', {
                ready: false,
                restartCount: 5,
                resources: { limits: { memory: '3Gi' }, requests: { memory: '3Gi' } },
                lastTermination: { reason: 'Error', exitCode: 3, finishedAt: '2026-12-01T11:57:00Z' },
              }),
            ],
          },
        ],
      },
    },
    objects: [{ kind: 'Pod', metadata: { name: POD, namespace: 'shop' }, spec: { containers: [container] } }],
    logs: {
      [POD]: '2026-12-01T11:57:10Z INFO starting billing\n',
      [`${POD}.previous`]: [
        '2026-12-01T11:50:00Z INFO starting billing',
        '2026-12-01T11:56:58Z INFO loading invoice batch 2026-11',
        'Terminating due to java.lang.OutOfMemoryError: Java heap space',
      ].join('\n'),
    },
    repo: { 'k8s/billing.yaml': `env:\n  - name: JAVA_OPTS\n    value: "${flags}"\n` },
    commits: [
      {
        sha: 'aa11bb22cc33dd44ee55ff6677889900aabbccdd',
        message: 'billing: tidy the chart values',
        date: '2026-11-30T16:00:00Z',
        files: [{ path: 'README.md', patch: '@@ -1 +1 @@\n-Billing\n+Billing service\n' }],
      },
      {
        sha: '1234567890abcdef1234567890abcdef12345678',
        message: 'billing: align JVM options with the base chart',
        date: '2026-11-30T09:00:00Z',
        files: [
          {
            path: 'k8s/billing.yaml',
            patch: `@@ -1,3 +1,3 @@\n env:\n   - name: JAVA_OPTS\n-    value: "-XX:MaxRAMPercentage=75.0"\n+    value: "${flags}"\n`,
          },
        ],
      },
    ],
  };
}

async function diagnose(c: FakeCluster) {
  const ctx = engineContext(fakeTools(c), { service: 'billing' });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

describe('a JVM out of heap', () => {
  it('names the heap flag from the env, the roomy container limit, and the commit that set it', async () => {
    const { findings, ctx } = await diagnose(cluster('-Xms64m -Xmx384m', 'env'));
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toContain('Java heap space');
    expect(text).toContain('-Xmx384m');
    expect(text).toContain('JAVA_OPTS');
    expect(text).toMatch(/far below the container memory limit of 3Gi/);
    expect(text).not.toMatch(/OOMKilled \(exit code 137\)/);
    expect(ctx.casebook.suspectCommits.map((c) => c.sha.slice(0, 7))).toContain('1234567');
    expect(ctx.casebook.suspectFiles.map((f) => f.path)).toContain('k8s/billing.yaml');
  });

  it('reads the flag from the container args when no variable carries it', async () => {
    const { findings } = await diagnose(cluster('-Xmx200m', 'args'));
    expect(said(findings)).toContain('-Xmx200m');
    expect(said(findings)).toContain('the container command');
  });
});
