import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import {
  engineContext,
  fakeTools,
  running,
  said,
  type FakeCluster,
  type FakePod,
} from './helpers/offline-fakes.js';

/**
 * Principle: node trouble (NotReady, spot interruption, drain, eviction) on nodes the pods no
 * longer run on, with every pod ready now or the Job complete after a retry, is benign history:
 * healthy, with the episode said in plain words.
 */
const NOW = '2026-12-01T12:00:00Z';
const up = (name: string, node: string): FakePod => ({
  name,
  node,
  labels: { app: 'geo' },
  ownerKind: 'ReplicaSet',
  ownerName: 'geo-7d9f8b6c4',
  containers: [running('geo')],
});

function drained(extra: Partial<FakeCluster> = {}): FakeCluster {
  return {
    workloads: {
      geo: {
        workload: { kind: 'Deployment', name: 'geo' },
        pods: [
          up('geo-7d9f8b6c4-aaaaa', 'node-b'),
          up('geo-7d9f8b6c4-bbbbb', 'node-c'),
          {
            name: 'geo-7d9f8b6c4-old01',
            node: 'node-a',
            phase: 'Failed',
            ready: '0/1',
            reason: 'Evicted',
            message: 'Pod was evicted: node node-a is being drained',
            labels: { app: 'geo' },
            containers: [running('geo', { ready: false, state: 'terminated', exitCode: 143 })],
          },
        ],
      },
    },
    events: [
      {
        type: 'Normal',
        reason: 'NodeNotSchedulable',
        object: 'Node/node-a',
        message: 'Node node-a status is now: NodeNotSchedulable',
        lastTimestamp: '2026-12-01T11:52:00Z',
      },
      {
        type: 'Warning',
        reason: 'FailedScheduling',
        object: 'Pod/geo-7d9f8b6c4-bbbbb',
        message: '0/3 nodes are available: 1 node(s) were unschedulable',
        lastTimestamp: '2026-12-01T11:52:30Z',
      },
    ],
    logs: {
      'geo-7d9f8b6c4-aaaaa': '2026-12-01T11:53:00Z INFO serving\n2026-12-01T11:58:00Z INFO GET /geo 200\n',
      'geo-7d9f8b6c4-bbbbb': '2026-12-01T11:54:00Z INFO serving\n2026-12-01T11:58:00Z INFO GET /geo 200\n',
    },
    ...extra,
  };
}

async function diagnose(cluster: FakeCluster, service = 'geo') {
  return new OfflineEngine().diagnose(engineContext(fakeTools(cluster), { service, now: NOW }));
}

describe('benign node history', () => {
  it('calls a drain the pods moved away from healthy, and says what happened', async () => {
    const f = await diagnose(drained());
    expect(f.status).toBe('healthy');
    expect(said(f)).toMatch(/evicted and rescheduled during a node drain\/upgrade/);
    expect(said(f)).toContain('node-a');
  });

  it('says a spot interruption in its own words', async () => {
    const cluster = drained();
    const old = cluster.workloads?.geo?.pods[2] as FakePod;
    old.reason = 'NodeShutdown';
    old.message = 'Pod was terminated in response to imminent node shutdown (spot interruption)';
    const f = await diagnose(cluster);
    expect(f.status).toBe('healthy');
    expect(said(f)).toMatch(/spot\/preemptible node was interrupted/);
  });

  it('is no history while a pod that runs now is not ready', async () => {
    const cluster = drained();
    const pod = cluster.workloads?.geo?.pods[0] as FakePod;
    pod.ready = '0/1';
    pod.containers = [running('geo', { ready: false })];
    const f = await diagnose(cluster);
    expect(f.status).not.toBe('healthy');
  });

  it('is no history when the kubelet evicts for memory on the node the pods still use', async () => {
    const cluster = drained();
    const old = cluster.workloads?.geo?.pods[2] as FakePod;
    old.node = 'node-b';
    old.message =
      'The node was low on resource: memory. Container geo was using 900Mi, which exceeds its request of 256Mi.';
    const f = await diagnose(cluster);
    expect(f.status).not.toBe('healthy');
  });

  it('calls a Job that failed once on a lost node and then completed healthy', async () => {
    const job = (name: string, phase: string, node: string): FakePod => ({
      name,
      node,
      phase,
      ready: '0/1',
      ownerKind: 'Job',
      ownerName: 'nightly-export',
      labels: { 'job-name': 'nightly-export' },
      containers: [
        running('export', {
          ready: false,
          state: 'terminated',
          exitCode: phase === 'Failed' ? 137 : 0,
          reason: phase === 'Failed' ? 'Error' : 'Completed',
        }),
      ],
    });
    const cluster: FakeCluster = {
      workloads: {
        'nightly-export': {
          workload: { kind: 'Job', name: 'nightly-export' },
          pods: [
            job('nightly-export-a1', 'Failed', 'node-a'),
            job('nightly-export-b2', 'Succeeded', 'node-b'),
          ],
        },
      },
      events: [
        {
          type: 'Warning',
          reason: 'NodeNotReady',
          object: 'Pod/nightly-export-a1',
          message: 'Node is not ready',
          lastTimestamp: '2026-12-01T11:20:00Z',
        },
      ],
      logs: {
        'nightly-export-a1': '2026-12-01T11:10:00Z INFO exporting\n',
        'nightly-export-b2':
          '2026-12-01T11:30:00Z INFO exporting\n2026-12-01T11:40:00Z INFO done: 1200 rows\n',
      },
      objects: [
        {
          kind: 'Job',
          metadata: { name: 'nightly-export', namespace: 'shop' },
          spec: { completions: 1, backoffLimit: 3 },
          status: { succeeded: 1, failed: 1, conditions: [{ type: 'Complete', status: 'True' }] },
        },
      ],
    };
    const f = await diagnose(cluster, 'nightly-export');
    expect(f.status).toBe('healthy');
    expect(said(f)).toContain('completed on a retry');
  });
});

describe('benign node history: errors that go on', () => {
  it('is no history when the pods that run now keep logging errors', async () => {
    const cluster = drained();
    const errors = Array.from(
      { length: 5 },
      (_, i) => `2026-12-01T11:5${5 + (i % 5)}:00Z ERROR cache rebuild failed: checksum mismatch`,
    );
    (cluster.logs as Record<string, string>)['geo-7d9f8b6c4-aaaaa'] =
      `2026-12-01T11:53:00Z INFO serving\n${errors.join('\n')}\n`;
    const f = await diagnose(cluster);
    expect(f.status).not.toBe('healthy');
  });
});
