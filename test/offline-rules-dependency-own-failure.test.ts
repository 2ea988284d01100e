import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a dependency that crash-loops on its own fatal error (its last log line) is down for
 * that reason; a node reboot that is over (the node Ready again) is at most the trigger.
 */
function cluster(nodeReady: boolean): FakeCluster {
  return {
    workloads: {
      web: {
        workload: { kind: 'Deployment', name: 'web' },
        pods: [{ name: 'web-6d8f9b7c5-aaaaa', node: 'node-b', containers: [running('web')] }],
      },
      cache: {
        workload: { kind: 'StatefulSet', name: 'cache' },
        pods: [
          {
            name: 'cache-0',
            node: 'node-a',
            ready: '0/1',
            restarts: 9,
            ownerKind: 'StatefulSet',
            ownerName: 'cache',
            containers: [
              running('redis', {
                ready: false,
                restartCount: 9,
                state: 'waiting',
                reason: 'CrashLoopBackOff',
                lastTermination: { reason: 'Error', exitCode: 1 },
              }),
            ],
          },
        ],
      },
    },
    nodes: [{ name: 'node-a', ready: nodeReady, conditions: [] }],
    events: [
      {
        type: 'Warning',
        reason: 'Rebooted',
        object: 'Node/node-a',
        message: 'Node node-a has been rebooted, boot id: 1234',
      },
      {
        type: 'Normal',
        reason: 'NodeNotReady',
        object: 'Node/node-a',
        message: 'Node node-a status is now: NodeNotReady',
      },
    ],
    logs: {
      'web-6d8f9b7c5-aaaaa': 'ERROR hold failed: dial tcp cache:6379: connect: connection refused\n'.repeat(
        5,
      ),
      'cache-0': '1:M 01 Dec 2026 11:58:01.000 * Server initialized\n',
      'cache-0.previous':
        '1:M 01 Dec 2026 11:55:01.000 * Server initialized\n1:M 01 Dec 2026 11:55:02.000 # Bad file format reading the append only file appendonly.aof.3.incr.aof\n',
    },
  };
}

async function diagnose(c: FakeCluster) {
  return new OfflineEngine().diagnose(engineContext(fakeTools(c), { service: 'web' }));
}

describe('a dependency down for its own reason after a node reboot', () => {
  it("names the dependency's fatal error, not the node, once the node is Ready again", async () => {
    const findings = await diagnose(cluster(true));
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('Bad file format reading the append only file');
    expect(said(findings)).not.toContain('node failure');
  });

  it('still blames the node while it is NotReady', async () => {
    const findings = await diagnose(cluster(false));
    expect(said(findings)).toContain('node-a');
  });
});
