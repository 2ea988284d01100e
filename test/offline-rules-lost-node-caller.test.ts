import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a lost node hurts a Deployment only until its ReplicaSet has replaced the pods (the
 * deleted pod's stale status is no evidence), but a StatefulSet's pod stays Terminating there and
 * its identity is never recreated: a caller's connection errors lead to that pod and that node.
 * An alert may name the workload where the trigger named the application.
 */
const NOW = '2026-12-01T12:00:00Z';
const LOST_SINCE = '2026-12-01T11:20:00Z';

const lostNode = {
  kind: 'Node',
  metadata: { name: 'node-b' },
  spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
  status: {
    conditions: [
      {
        type: 'Ready',
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
      },
    ],
  },
};

const webLog = [
  '11:21:02.000 [error] Connection #PID<0.2719.0> failed to connect to Redis at board-cache:6379: connection refused',
  ...Array.from({ length: 4 }, (_, i) =>
    [
      `11:5${i}:01.474 [error] #PID<0.338${i}.0> running BoardWeb.Endpoint terminated`,
      '** (exit) an exception was raised:',
      '    ** (Redix.ConnectionError) the connection to Redis is closed',
      '        (redix 1.5.2) lib/redix.ex:574: Redix.command!/3',
      '        (board 0.9.4) lib/board/ranks.ex:41: Board.Ranks.top/2',
    ].join('\n'),
  ),
  '11:58:08.828 [error] Connection #PID<0.6058.0> failed to connect to Redis at board-cache:6379: connection refused',
  '11:58:13.871 [error] Connection #PID<0.6058.0> failed to connect to Redis at board-cache:6379: connection refused',
].join('\n');

function cluster(): FakeCluster {
  const web = (name: string, node: string, terminating = false) => ({
    name,
    node,
    ownerKind: 'ReplicaSet',
    ownerName: 'board-web-5d9c8b7f6',
    containers: [running('web')],
    ...(terminating ? { terminating: { since: LOST_SINCE, gracePeriodSeconds: 30, finalizers: [] } } : {}),
  });
  return {
    closestServices: ['board-web', 'board-cache'],
    workloads: {
      'board-web': {
        workload: { kind: 'Deployment', name: 'board-web' },
        pods: [
          web('board-web-5d9c8b7f6-ab2cd', 'node-a'),
          web('board-web-5d9c8b7f6-ef4gh', 'node-c'),
          web('board-web-5d9c8b7f6-jk6lm', 'node-b', true),
        ],
      },
      'board-cache': {
        workload: { kind: 'StatefulSet', name: 'board-cache' },
        pods: [
          {
            name: 'board-cache-0',
            node: 'node-b',
            ownerKind: 'StatefulSet',
            ownerName: 'board-cache',
            terminating: { since: LOST_SINCE, gracePeriodSeconds: 30, finalizers: [] },
            containers: [running('redis')],
          },
        ],
      },
    },
    events: [
      {
        type: 'Normal',
        reason: 'NodeNotReady',
        object: 'Node/node-b',
        message: 'Node node-b status is now: NodeNotReady',
      },
    ],
    logs: {
      'board-web-5d9c8b7f6-ab2cd': webLog,
      'board-web-5d9c8b7f6-ef4gh': webLog,
      'board-web-5d9c8b7f6-jk6lm': '11:15:00.000 [info] GET /healthz\n',
      'board-cache-0': '1:M 01 Dec 2026 11:00:00.000 * Ready to accept connections tcp\n',
    },
    objects: [
      lostNode,
      {
        kind: 'Node',
        metadata: { name: 'node-a' },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      },
      {
        kind: 'Node',
        metadata: { name: 'node-c' },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      },
    ],
  };
}

describe('a caller whose cache sits on a lost node', () => {
  it('follows the connection errors to the StatefulSet pod the node holds Terminating', async () => {
    const f = await new OfflineEngine().diagnose(
      engineContext(fakeTools(cluster()), { service: 'board-web', now: NOW }),
    );
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('board-cache');
    expect(said(f)).toContain('board-cache-0 is stuck Terminating');
    expect(said(f)).toContain('node-b');
    // The web pod the node held was replaced: it is not the story.
    expect(said(f)).not.toContain('board-web-5d9c8b7f6-jk6lm');
    expect(said(f)).not.toContain('lib/redix.ex');
  });

  it('finds the workload the alert names when the trigger used the application name', async () => {
    const f = await new OfflineEngine().diagnose(
      engineContext(fakeTools(cluster()), {
        service: 'board',
        now: NOW,
        text: 'BoardApiErrors: 5xx ratio 94% on board-web for 15m',
      }),
    );
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('board-cache-0 is stuck Terminating');
  });
});
