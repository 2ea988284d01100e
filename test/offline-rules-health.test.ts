import { describe, expect, it } from 'vitest';

import { buildReport, mergeGaps } from '../src/agent/build-report.js';
import { OfflineEngine } from '../src/llm/offline/engine.js';
import { emptyUsage } from '../src/report/schema.js';
import { engineContext, fakeTools, running, type FakeCluster } from './helpers/offline-fakes.js';

const pod = 'geo-66d9f7b8c5-c2kxn';

function cluster(extra: Partial<FakeCluster> = {}): FakeCluster {
  return {
    workloads: {
      geo: {
        workload: { kind: 'Deployment', name: 'geo' },
        pods: [{ name: pod, labels: { app: 'geo' }, containers: [running('geo')] }],
      },
    },
    logs: { [pod]: '{"severity":"info","message":"lookup served in 2ms"}' },
    ...extra,
  };
}

async function report(c: FakeCluster) {
  const ctx = engineContext(fakeTools(c), { service: 'geo' });
  const findings = await new OfflineEngine().diagnose(ctx);
  const built = buildReport(findings, ctx.casebook, {
    service: 'geo',
    namespace: 'shop',
    engine: 'offline',
    degradedReasons: [],
    usage: emptyUsage(),
    startedAt: Date.now(),
  });
  return { findings, report: built };
}

describe('healthy needs positive evidence', () => {
  it('says healthy when the pods run and are ready, the logs were read and are clean, and nothing warns', async () => {
    const { report: r } = await report(cluster());
    expect(r.status).toBe('healthy');
    expect(r.gaps).toEqual([]);
  });

  it('lets a stray error line in a busy log pass, but not the same error repeated', async () => {
    const lines = (n: number) =>
      [
        ...Array.from({ length: 50 }, () => '{"severity":"info","message":"lookup served in 2ms"}'),
        ...Array.from(
          { length: n },
          () => '{"severity":"error","message":"bad request: invalid ip \\"x\\""}',
        ),
      ].join('\n');
    expect((await report(cluster({ logs: { [pod]: lines(1) } }))).report.status).toBe('healthy');
    expect((await report(cluster({ logs: { [pod]: lines(5) } }))).report.status).toBe('diagnosed');
  });

  it('lets one readiness probe timeout pass when every pod stayed ready', async () => {
    const { report: r } = await report(
      cluster({
        events: [
          {
            type: 'Warning',
            reason: 'Unhealthy',
            object: `Pod/${pod}`,
            count: 1,
            message: 'Readiness probe failed: context deadline exceeded',
          },
        ],
      }),
    );
    expect(r.status).toBe('healthy');
  });

  it('is inconclusive, naming the gap, when a log read fails', async () => {
    const { report: r } = await report(cluster({ logs: {} }));
    expect(r.status).toBe('inconclusive');
    expect(r.gaps).toEqual([
      { what: `logs of pod ${pod}`, why: `Could not read logs of pod/${pod}: the API answered 500` },
    ]);
    expect(r.summary).toContain('some logs could not be read');
  });

  it('is inconclusive when the events could not be read', async () => {
    const { report: r } = await report(
      cluster({ failing: { list_events: 'the Kubernetes API answered 503' } }),
    );
    expect(r.status).toBe('inconclusive');
    expect(r.gaps).toEqual([{ what: 'events of namespace shop', why: 'the Kubernetes API answered 503' }]);
  });

  it('is never healthy while the logs keep reporting failed calls to another service', async () => {
    const warnings = Array.from(
      { length: 5 },
      () =>
        '{"severity":"warning","message":"retrying: rpc error: code = Unavailable desc = connection refused"}',
    ).join('\n');
    const { report: r } = await report(cluster({ logs: { [pod]: warnings } }));
    expect(r.status).not.toBe('healthy');
  });

  it('names the missing generic read tool as a gap when a rule needed it', async () => {
    const { report: r } = await report({
      workloads: {
        geo: {
          workload: { kind: 'StatefulSet', name: 'geo' },
          pods: [
            {
              name: 'geo-0',
              phase: 'Pending',
              ready: '0/1',
              containers: [{ name: 'geo', ready: false, state: 'waiting', reason: 'NotCreated' }],
            },
          ],
        },
      },
      events: [
        {
          type: 'Warning',
          reason: 'FailedScheduling',
          object: 'Pod/geo-0',
          message: '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.',
        },
      ],
      without: ['get_resources'],
    });
    expect(r.gaps.map((g) => g.why)).toContain(
      'no connected Kubernetes server offers a generic read tool (get_resources)',
    );
  });
});

describe('gaps in the report', () => {
  it('merges the engine and the casebook gaps once each', () => {
    const gap = { what: 'logs of pod a', why: 'HTTP 500' };
    expect(mergeGaps([gap], [gap, { what: 'events', why: 'timeout' }])).toEqual([
      gap,
      { what: 'events', why: 'timeout' },
    ]);
  });

  it('turns a healthy finding with gaps into inconclusive, and keeps other statuses', () => {
    const casebook = {
      evidence: [],
      suspectFiles: [],
      suspectCommits: [],
      gaps: [{ what: 'logs', why: 'HTTP 500' }],
    };
    const meta = {
      service: 's',
      namespace: 'n',
      engine: 'offline',
      degradedReasons: [],
      usage: emptyUsage(),
      startedAt: 0,
    };
    const healthy = {
      status: 'healthy' as const,
      summary: 's looks healthy.',
      rootCause: { statement: 'No fault found.', confidence: 'medium' as const },
      evidence: [],
      suspectFiles: [],
      suspectCommits: [],
      suggestedFix: '',
    };
    const r = buildReport(healthy, casebook, meta);
    expect(r.status).toBe('inconclusive');
    expect(r.summary).toContain('Not everything could be checked (1 gap below)');
    expect(buildReport({ ...healthy, status: 'diagnosed' }, casebook, meta).status).toBe('diagnosed');
    expect(buildReport(healthy, { ...casebook, gaps: [] }, meta).status).toBe('healthy');
  });

  it('counts a server that could not start as a gap', () => {
    const r = buildReport(
      {
        status: 'healthy',
        summary: 'ok',
        rootCause: { statement: '', confidence: 'low' },
        evidence: [],
        suspectFiles: [],
        suspectCommits: [],
        suggestedFix: '',
      },
      { evidence: [], suspectFiles: [], suspectCommits: [], gaps: [] },
      {
        service: 's',
        namespace: 'n',
        engine: 'offline',
        degradedReasons: ["MCP server 'github' unavailable: GITHUB_TOKEN is not set"],
        usage: emptyUsage(),
        startedAt: 0,
      },
    );
    expect(r.gaps).toEqual([
      {
        what: 'everything the github server reads',
        why: 'the server is unavailable: GITHUB_TOKEN is not set',
      },
    ]);
    expect(r.status).toBe('inconclusive');
  });
});

describe('targets the alert names', () => {
  it('follows the workload an alert names when the service name matches nothing', async () => {
    const tools = fakeTools(cluster());
    const ctx = engineContext(tools, {
      service: 'geo-service',
      text: 'KubeDeploymentRolloutStuck: Rollout of deployment shop/geo is not progressing.',
    });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('healthy');
    expect(tools.calls.filter((c) => c.tool === 'list_pods').map((c) => c.args.service)).toEqual([
      'geo-service',
      'geo',
    ]);
  });

  it('names a namespace out of scope as a gap instead of reading it', async () => {
    const ctx = engineContext(fakeTools(cluster()), {
      service: 'geo-service',
      text: 'KubePodCrashLooping: Pod billing/geo-7d9 is crash looping',
    });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('inconclusive');
    expect(ctx.casebook.gaps).toContainEqual({
      what: 'Pod billing/geo-7d9, which the alert names',
      why: "namespace billing is outside the run's scope",
    });
  });
});

describe('a server without the generic read tool', () => {
  it('cannot call a service healthy, and names what it could not check in one gap', async () => {
    const { report: r } = await report(cluster({ without: ['get_resources', 'get_service'] }));
    expect(r.status).toBe('inconclusive');
    expect(r.gaps).toHaveLength(1);
    expect(r.gaps[0]?.what).toMatch(
      /^Kubernetes objects beyond pods, events and logs \(Service, NetworkPolicy, .*\)$/,
    );
  });
});
