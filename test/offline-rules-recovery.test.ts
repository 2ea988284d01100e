import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { analyzeLog } from '../src/llm/offline/log-analysis.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a blip that is over is healthy — events are history, the current state decides — and
 * a healthy verdict needs positive evidence, so anything unread or still failing prevents it.
 */
async function diagnose(cluster: FakeCluster, service = 'geo') {
  const ctx = engineContext(fakeTools(cluster), { service, now: '2026-12-01T12:00:00Z' });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

const pod = 'geo-6b7c8d9f5-q2w3e';
const cleanLines = ['11:45', '11:50', '11:55', '11:59']
  .map((t) => `2026-12-01T${t}:00Z INFO GET /lookup 200 4ms`)
  .join('\n');

function cluster(lastProbeFailure: string, extra: Partial<FakeCluster> = {}): FakeCluster {
  return {
    workloads: {
      geo: {
        workload: { kind: 'Deployment', name: 'geo' },
        pods: [{ name: pod, containers: [running('geo')] }],
      },
    },
    events: [
      {
        type: 'Warning',
        reason: 'Unhealthy',
        object: `Pod/${pod}`,
        count: 14,
        lastTimestamp: lastProbeFailure,
        message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
      },
    ],
    logs: {
      [pod]: `2026-12-01T11:18:00Z ERROR database reload in progress, answering 503\n`.repeat(3) + cleanLines,
    },
    ...extra,
  };
}

describe('a blip that is over', () => {
  it('is healthy, says what happened and when it stopped', async () => {
    const { findings } = await diagnose(cluster('2026-12-01T11:20:00Z'));
    expect(findings.status).toBe('healthy');
    expect(said(findings)).toContain('Unhealthy ×14');
    expect(said(findings)).toContain('2026-12-01T11:20:00.000Z (40 min ago)');
  });

  it('is not over while the probe still fails', async () => {
    const { findings } = await diagnose(cluster('2026-12-01T11:58:00Z'));
    expect(findings.status).not.toBe('healthy');
  });

  it('is never healthy when a log could not be read', async () => {
    const { findings } = await diagnose(cluster('2026-12-01T11:20:00Z', { logs: {} }));
    expect(findings.status).not.toBe('healthy');
  });

  it('is not over when a pod restarted in the window', async () => {
    const restarted = cluster('2026-12-01T11:20:00Z');
    restarted.workloads = {
      geo: {
        workload: { kind: 'Deployment', name: 'geo' },
        pods: [
          {
            name: pod,
            restarts: 1,
            containers: [
              running('geo', {
                restartCount: 1,
                lastTermination: { reason: 'Error', exitCode: 1, finishedAt: '2026-12-01T11:19:00Z' },
              }),
            ],
          },
        ],
      },
    };
    const { findings } = await diagnose(restarted);
    expect(findings.status).not.toBe('healthy');
  });

  it('after a node drain: old eviction and scheduling warnings, every pod ready now', async () => {
    const { findings } = await diagnose({
      ...cluster('2026-12-01T10:40:00Z'),
      events: [
        {
          type: 'Warning',
          reason: 'FailedScheduling',
          object: 'Pod/geo-6b7c8d9f5-zz9yy',
          count: 3,
          lastTimestamp: '2026-12-01T10:35:00Z',
          message: '0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.',
        },
      ],
      logs: { [pod]: cleanLines },
    });
    expect(findings.status).toBe('healthy');
    expect(said(findings)).toContain('FailedScheduling');
  });
});

describe('ordinary log lines are not errors', () => {
  it('ignores tallies and INFO lines that mention failures', () => {
    const signatures = analyzeLog(
      [
        '2026-12-01T11:00:00Z digest run complete: 183 sent, 2 failed',
        '2026-12-01T11:01:00Z batch done sent=90 failed=0',
        '2026-12-01T11:02:00Z INFO retry queue drained, failed jobs requeued',
      ].join('\n'),
    ).signatures;
    expect(signatures.filter((s) => s.kind !== 'warning')).toEqual([]);
  });

  it('still counts a failure sentence with no level', () => {
    const signatures = analyzeLog('sh: 1: pg_dump: not found\nconnect failed: connection refused').signatures;
    expect(signatures.filter((s) => s.kind === 'error')).toHaveLength(2);
  });
});

describe('after a node upgrade', () => {
  it('is healthy when the node went NotReady and came back, and every pod is ready since', async () => {
    const upgraded = cluster('2026-12-01T10:40:00Z');
    upgraded.workloads!.geo!.pods = [{ name: pod, node: 'node-a', containers: [running('geo')] }];
    upgraded.events = [
      {
        type: 'Normal',
        reason: 'NodeNotReady',
        object: 'Node/node-a',
        count: 1,
        lastTimestamp: '2026-12-01T10:30:00Z',
        message: 'Node node-a status is now: NodeNotReady',
      },
      {
        type: 'Warning',
        reason: 'Rebooted',
        object: 'Node/node-a',
        count: 1,
        lastTimestamp: '2026-12-01T10:32:00Z',
        message: 'Node node-a has been rebooted, boot id: 5b1c',
      },
    ];
    upgraded.logs = { [pod]: cleanLines };
    const { findings } = await diagnose(upgraded);
    expect(findings.status).toBe('healthy');
    expect(said(findings)).toContain('NodeNotReady');
  });

  it('is not healthy while the node events are fresh', async () => {
    const upgraded = cluster('2026-12-01T10:40:00Z');
    upgraded.workloads!.geo!.pods = [{ name: pod, node: 'node-a', containers: [running('geo')] }];
    upgraded.events = [
      {
        type: 'Normal',
        reason: 'NodeNotReady',
        object: 'Node/node-a',
        lastTimestamp: '2026-12-01T11:58:00Z',
        message: 'Node node-a status is now: NodeNotReady',
      },
    ];
    upgraded.logs = { [pod]: cleanLines };
    const { findings } = await diagnose(upgraded);
    expect(findings.status).not.toBe('healthy');
  });
});
