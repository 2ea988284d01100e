import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a DaemonSet that crash-loops on one node only is a node difference; compare the pod
 * with its siblings, and name the node and what it lacks (a hostPath the error names).
 */
async function diagnose(cluster: FakeCluster) {
  const ctx = engineContext(fakeTools(cluster), { service: 'node-agent' });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

const crashing = {
  name: 'node-agent-q7r8s',
  node: 'node-c',
  ready: '0/1',
  restarts: 7,
  ownerKind: 'DaemonSet',
  ownerName: 'node-agent',
  containers: [
    running('agent', {
      ready: false,
      restartCount: 7,
      state: 'waiting',
      reason: 'CrashLoopBackOff',
      lastTermination: { reason: 'Error', exitCode: 1 },
    }),
  ],
};
const sibling = (name: string, node: string) => ({
  name,
  node,
  ownerKind: 'DaemonSet',
  ownerName: 'node-agent',
  containers: [running('agent')],
});

function cluster(log: string): FakeCluster {
  return {
    workloads: {
      'node-agent': {
        workload: { kind: 'DaemonSet', name: 'node-agent' },
        pods: [crashing, sibling('node-agent-a1b2c', 'node-a'), sibling('node-agent-d3e4f', 'node-b')],
      },
    },
    logs: {
      'node-agent-q7r8s': '',
      'node-agent-q7r8s.previous': log,
      'node-agent-a1b2c': 'INFO shipping\n',
      'node-agent-d3e4f': 'INFO shipping\n',
    },
    objects: [
      {
        kind: 'Pod',
        metadata: { name: 'node-agent-q7r8s', namespace: 'shop' },
        spec: {
          containers: [{ name: 'agent', volumeMounts: [{ name: 'journal', mountPath: '/host/journal' }] }],
          volumes: [{ name: 'journal', hostPath: { path: '/var/log/journal' } }],
        },
      },
    ],
  };
}

describe('a DaemonSet failing on one node', () => {
  it('names the node and the hostPath it lacks', async () => {
    const { findings } = await diagnose(
      cluster(
        'time="2026-12-01T11:59:00Z" level=fatal msg="open /host/journal/machine-id: no such file or directory"',
      ),
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('node-c');
    expect(said(findings)).toContain('/var/log/journal/machine-id');
    expect(said(findings)).toContain('hostPath');
    expect(findings.suggestedFix).toContain('node-c');
  });

  it('still names the node when the error is not about a hostPath', async () => {
    const { findings } = await diagnose(
      cluster('time="2026-12-01T11:59:00Z" level=fatal msg="kernel module br_netfilter not loaded"'),
    );
    expect(said(findings)).toContain('only on node node-c');
    expect(said(findings)).not.toContain('hostPath');
  });
});
