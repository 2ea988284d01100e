import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { templateChanges } from '../src/llm/offline/template-diff.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principles: what changed between revisions is the prime suspect (named in the root cause and
 * attributed to the commit that wrote the new value); and probes refused while a starved app is
 * still starting are the CPU limit's fault, not the probe's.
 */
type Obj = Record<string, unknown>;

function template(container: Obj, pod: Obj = {}): Obj {
  return {
    metadata: { labels: { app: 'rates' } },
    spec: { containers: [{ name: 'rates', ...container }], ...pod },
  };
}

function replicaSet(name: string, revision: number, tpl: Obj): Obj {
  return {
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'shop',
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
      ownerReferences: [{ kind: 'Deployment', name: 'rates', controller: true }],
    },
    spec: { template: tpl },
  };
}

describe('templateChanges', () => {
  it('names env, cpu limit, probe, volume and service account differences with both values', () => {
    const before = template(
      {
        image: 'r/rates:1.0',
        env: [{ name: 'RATE_X', value: '300' }],
        resources: { limits: { cpu: '1', memory: '512Mi' } },
        readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, timeoutSeconds: 1 },
      },
      { serviceAccountName: 'rates', volumes: [{ name: 'config', secret: { secretName: 'rates-v1' } }] },
    );
    const after = template(
      {
        image: 'r/rates:1.0',
        env: [{ name: 'RATE_X', value: '5m' }],
        resources: { limits: { cpu: '300m', memory: '512Mi' } },
        readinessProbe: { httpGet: { path: '/ready', port: 8080 }, timeoutSeconds: 1 },
      },
      { serviceAccountName: 'rates-ci', volumes: [{ name: 'config', secret: { secretName: 'rates-v2' } }] },
    );
    const texts = templateChanges(before, after).map((c) => c.text);
    expect(texts).toContain('env RATE_X changed from "300" to "5m"');
    expect(texts).toContain('cpu limit cut from 1 to 300m (container rates)');
    expect(texts).toContain('readiness probe path changed from /healthz to /ready (container rates)');
    expect(texts).toContain('volume config changed from secret rates-v1 to secret rates-v2');
    expect(texts).toContain('serviceAccountName changed from rates to rates-ci');
    expect(texts.some((t) => /image|memory/.test(t))).toBe(false);
  });

  it('finds nothing when the templates agree', () => {
    const same = template({ image: 'r/rates:1.0', env: [{ name: 'A', value: '1' }] });
    expect(templateChanges(same, structuredClone(same))).toEqual([]);
  });
});

function crashing(extra: Partial<FakeCluster> = {}): FakeCluster {
  return {
    workloads: {
      rates: {
        workload: { kind: 'Deployment', name: 'rates' },
        pods: [
          {
            name: 'rates-new-x1',
            ready: '0/1',
            restarts: 6,
            ownerKind: 'ReplicaSet',
            ownerName: 'rates-new',
            labels: { app: 'rates', 'pod-template-hash': 'new' },
            containers: [
              running('rates', {
                ready: false,
                state: 'waiting',
                reason: 'CrashLoopBackOff',
                restartCount: 6,
                lastTermination: { reason: 'Error', exitCode: 101 },
              }),
            ],
          },
        ],
      },
    },
    logs: {
      'rates-new-x1': '',
      'rates-new-x1.previous':
        "thread 'main' panicked at src/config.rs:14:37:\ncalled `Result::unwrap()` on an `Err` value: ParseIntError { kind: InvalidDigit }\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
    },
    objects: [
      replicaSet('rates-old', 3, template({ image: 'r/rates:1.0', env: [{ name: 'RATE_X', value: '300' }] })),
      replicaSet('rates-new', 4, template({ image: 'r/rates:1.0', env: [{ name: 'RATE_X', value: '5m' }] })),
    ],
    commits: [
      {
        sha: 'b'.repeat(40),
        message: 'docs: typo',
        date: '2026-12-01T11:00:00Z',
        files: [{ path: 'README.md', patch: '@@ -1 +1 @@\n-teh\n+the' }],
      },
      {
        sha: 'a'.repeat(40),
        message: 'tune rate window',
        date: '2026-12-01T10:00:00Z',
        files: [
          {
            path: 'deploy/rates.yaml',
            patch:
              '@@ -20,2 +20,2 @@\n           - name: RATE_X\n-            value: "300"\n+            value: "5m"',
          },
        ],
      },
    ],
    ...extra,
  };
}

describe('a crash after a rollout: the revision difference', () => {
  it('reads a Rust panic, names the env change and blames the commit that wrote the new value', async () => {
    const ctx = engineContext(fakeTools(crashing()), { service: 'rates' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('ParseIntError');
    expect(f.rootCause.statement).toContain('env RATE_X changed from "300" to "5m"');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('a'.repeat(40));
    expect(ctx.casebook.suspectFiles.map((s) => s.path)).toContain('deploy/rates.yaml');
  });

  it('puts the commit that wrote the new value before one found from the failing source file', async () => {
    const cluster = crashing({
      repo: {
        'src/config.rs':
          'use std::env;\n'.repeat(13) + '    let rate: u32 = env::var("RATE_X")?.parse().unwrap();\n',
      },
    });
    cluster.commits?.unshift({
      sha: 'c'.repeat(40),
      message: 'refactor config loading',
      date: '2026-12-01T11:30:00Z',
      files: [
        {
          path: 'src/config.rs',
          patch:
            '@@ -14 +14 @@\n-    let rate = load();\n+    let rate: u32 = env::var("RATE_X")?.parse().unwrap();',
        },
      ],
    });
    const ctx = engineContext(fakeTools(cluster), { service: 'rates' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.rootCause.statement).toContain('env RATE_X changed from "300" to "5m"');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('a'.repeat(40));
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('deploy/rates.yaml');
  });

  it('says nothing of revisions when there is no earlier one', async () => {
    const cluster = crashing();
    cluster.objects = cluster.objects?.slice(1);
    const ctx = engineContext(fakeTools(cluster), { service: 'rates' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.rootCause.statement).not.toContain('newest revision');
  });
});

function starving(cpuBefore: string, cpuNow: string, log: string): FakeCluster {
  const tpl = (cpu: string) =>
    template({
      image: 'r/rates:2.0',
      resources: { limits: { cpu, memory: '1Gi' } },
      livenessProbe: { httpGet: { path: '/health', port: 8080 }, initialDelaySeconds: 30 },
    });
  return {
    workloads: {
      rates: {
        workload: { kind: 'Deployment', name: 'rates' },
        pods: [
          {
            name: 'rates-new-x1',
            ready: '0/1',
            restarts: 4,
            ownerKind: 'ReplicaSet',
            ownerName: 'rates-new',
            labels: { app: 'rates' },
            containers: [
              running('rates', {
                ready: false,
                restartCount: 4,
                resources: { limits: { cpu: cpuNow } },
                lastTermination: { reason: 'Error', exitCode: 143 },
              }),
            ],
          },
        ],
      },
    },
    events: [
      {
        type: 'Warning',
        reason: 'Unhealthy',
        object: 'Pod/rates-new-x1',
        count: 12,
        message:
          'Liveness probe failed: Get "http://10.1.0.9:8080/health": dial tcp 10.1.0.9:8080: connect: connection refused',
      },
      {
        type: 'Normal',
        reason: 'Killing',
        object: 'Pod/rates-new-x1',
        count: 4,
        message: 'Container rates failed liveness probe, will be restarted',
      },
    ],
    logs: { 'rates-new-x1': log, 'rates-new-x1.previous': log },
    objects: [replicaSet('rates-old', 1, tpl(cpuBefore)), replicaSet('rates-new', 2, tpl(cpuNow))],
  };
}

describe('CPU starvation at start-up', () => {
  const slowLog = 'INFO Starting RatesApplication using Java 21\nINFO Initializing Spring context\n';

  it('blames the cpu limit cut in the newest revision, not the probe', async () => {
    const ctx = engineContext(fakeTools(starving('1', '300m', slowLog)), { service: 'rates' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(f.rootCause.statement).toMatch(/CPU starvation/);
    expect(f.rootCause.statement).toContain('cut from 1 to 300m');
    expect(f.suggestedFix).toMatch(/cpu limit to 1/);
  });

  it('leaves the probe verdict alone when the limit was not lowered and the app starts', async () => {
    const started = `${slowLog}INFO Started RatesApplication in 3.1 seconds\n`;
    const ctx = engineContext(fakeTools(starving('1', '1', started)), { service: 'rates' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.rootCause.statement).not.toMatch(/CPU starvation/);
  });

  it('blames a very low limit when the app never finishes starting', async () => {
    const ctx = engineContext(fakeTools(starving('100m', '100m', slowLog)), { service: 'rates' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.rootCause.statement).toMatch(/CPU starvation/);
    expect(f.rootCause.statement).toContain('only 100m');
  });
});

describe('trouble no rule names, in the newest revision', () => {
  function notReady(newTemplate: Obj): FakeCluster {
    return {
      workloads: {
        rates: {
          workload: { kind: 'Deployment', name: 'rates' },
          pods: [
            {
              name: 'rates-new-x1',
              ready: '0/1',
              ownerKind: 'ReplicaSet',
              ownerName: 'rates-new',
              labels: { app: 'rates' },
              containers: [running('rates', { ready: false })],
            },
          ],
        },
      },
      logs: { 'rates-new-x1': 'INFO booting\n' },
      objects: [
        replicaSet('rates-old', 1, template({ image: 'r/rates:1.0' }, { serviceAccountName: 'rates' })),
        replicaSet('rates-new', 2, newTemplate),
      ],
    };
  }

  it('makes the revision difference the prime suspect instead of giving up', async () => {
    const ctx = engineContext(
      fakeTools(notReady(template({ image: 'r/rates:1.1' }, { serviceAccountName: 'rates-ci' }))),
      { service: 'rates' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(f.rootCause.statement).toContain('serviceAccountName changed from rates to rates-ci');
    expect(f.rootCause.statement).not.toContain('image');
  });

  it('stays inconclusive when only the image changed', async () => {
    const ctx = engineContext(
      fakeTools(notReady(template({ image: 'r/rates:1.1' }, { serviceAccountName: 'rates' }))),
      { service: 'rates' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('inconclusive');
  });
});
