import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a JVM whose heap ceiling reaches its container's memory limit is OOMKilled (exit 137)
 * before it ever throws OutOfMemoryError: the heap flag is the fault, wherever it is set — the pod's
 * env, or the image's Dockerfile or start script — and the commit that wrote it is the change.
 */
const POD = 'pricing-7d49c8b6f5-9vxmr';
const SHA = '9b3f0d6e2a871c45f9e0d3b7a6c1f82e4d5b9a08';

interface Options {
  /** Files of the repository. */
  repo: Record<string, string>;
  /** The file and patch of the commit that changed the JVM options. */
  change?: { path: string; patch: string };
  limit?: string;
  /** The JVM's start line, as a JAVA_TOOL_OPTIONS variable makes it print one. */
  startLine?: string;
  /** Reason of the last termination. */
  reason?: string;
  /** Log of the killed run. */
  previous?: string;
}

function cluster(o: Options): FakeCluster {
  const limit = o.limit ?? '1Gi';
  return {
    workloads: {
      pricing: {
        workload: { kind: 'Deployment', name: 'pricing' },
        pods: [
          {
            name: POD,
            restarts: 4,
            containers: [
              running('pricing', {
                restartCount: 4,
                resources: { limits: { memory: limit }, requests: { memory: limit } },
                lastTermination: {
                  reason: o.reason ?? 'OOMKilled',
                  exitCode: o.reason === 'Error' ? 3 : 137,
                  finishedAt: '2026-12-01T11:57:00Z',
                },
              }),
            ],
          },
        ],
      },
    },
    objects: [
      {
        kind: 'Pod',
        metadata: { name: POD, namespace: 'shop' },
        spec: { containers: [{ name: 'pricing', image: 'registry.example/pricing:4.12.0' }] },
      },
    ],
    logs: {
      [POD]: `${o.startLine ? `${o.startLine}\n` : ''}2026-12-01T11:57:10Z INFO Started PricingApplication\n`,
      [`${POD}.previous`]:
        o.previous ??
        `${o.startLine ? `${o.startLine}\n` : ''}2026-12-01T11:30:00Z INFO Started PricingApplication\n2026-12-01T11:56:58Z INFO renewal batch chunk 14 done\n`,
    },
    repo: o.repo,
    commits: [
      {
        sha: 'aa11bb22cc33dd44ee55ff6677889900aabbccdd',
        message: 'renewals: log chunk duration',
        date: '2026-12-01T10:00:00Z',
        files: [{ path: 'src/main/java/Renewals.java', patch: '@@ -1 +1 @@\n-a\n+b\n' }],
      },
      ...(o.change
        ? [{ sha: SHA, message: 'build: pin the JVM heap', date: '2026-12-01T08:58:00Z', files: [o.change] }]
        : []),
    ],
  };
}

async function diagnose(c: FakeCluster) {
  const ctx = engineContext(fakeTools(c), { service: 'pricing' });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

const DOCKERFILE = (options: string) =>
  [
    'FROM eclipse-temurin:21-jre-jammy',
    'COPY app.jar /app/app.jar',
    `ENV JAVA_TOOL_OPTIONS="${options}"`,
    'ENTRYPOINT ["java", "-jar", "/app/app.jar"]',
  ].join('\n');

describe('a JVM heap at or above the container memory limit', () => {
  it('names the heap flag the Dockerfile sets, the limit, the file and the commit that set it', async () => {
    const options = '-Xms1536m -Xmx1536m -XX:+UseG1GC';
    const { findings, ctx } = await diagnose(
      cluster({
        repo: { Dockerfile: DOCKERFILE(options) },
        startLine: `Picked up JAVA_TOOL_OPTIONS: ${options}`,
        change: {
          path: 'Dockerfile',
          patch: `@@ -2,3 +2,3 @@\n COPY app.jar /app/app.jar\n-ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75.0"\n+ENV JAVA_TOOL_OPTIONS="${options}"\n`,
        },
      }),
    );
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toContain('-Xmx1536m');
    expect(text).toContain('1Gi');
    expect(text).toMatch(/OOMKilled/);
    expect(text).toContain('JAVA_TOOL_OPTIONS in Dockerfile');
    expect(findings.suggestedFix).toMatch(/MaxRAMPercentage|raise the memory limit/);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('Dockerfile');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(SHA);
  });

  it('reads the flag from the start script the image runs when the JVM prints no start line', async () => {
    const { findings, ctx } = await diagnose(
      cluster({
        limit: '2Gi',
        repo: {
          Dockerfile: [
            'FROM eclipse-temurin:21-jre-jammy',
            'COPY docker/run.sh /app/run.sh',
            'ENTRYPOINT ["/app/run.sh"]',
          ].join('\n'),
          'docker/run.sh': '#!/bin/sh\nexec java -Xmx2g -jar /app/app.jar\n',
        },
        change: {
          path: 'docker/run.sh',
          patch: '@@ -1,2 +1,2 @@\n-exec java -jar /app/app.jar\n+exec java -Xmx2g -jar /app/app.jar\n',
        },
      }),
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('-Xmx2g');
    expect(said(findings)).toContain('2Gi');
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('docker/run.sh');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(SHA);
  });

  it('stays silent when the heap leaves room under the limit: the kill is not the heap flag', async () => {
    const { findings } = await diagnose(
      cluster({ repo: { Dockerfile: DOCKERFILE('-XX:MaxRAMPercentage=75.0') } }),
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/OOMKilled/);
    expect(said(findings)).not.toMatch(/JVM is allowed a heap/);
  });
});

describe('a JVM out of heap with its flag in the image', () => {
  it('names the -Xmx the Dockerfile sets when the pod sets none', async () => {
    const { findings, ctx } = await diagnose(
      cluster({
        limit: '3Gi',
        reason: 'Error',
        repo: { Dockerfile: DOCKERFILE('-Xmx256m') },
        previous:
          '2026-12-01T11:50:00Z INFO starting\nTerminating due to java.lang.OutOfMemoryError: Java heap space\n',
        change: {
          path: 'Dockerfile',
          patch: '@@ -2,3 +2,3 @@\n-ENV JAVA_TOOL_OPTIONS="-Xmx1g"\n+ENV JAVA_TOOL_OPTIONS="-Xmx256m"\n',
        },
      }),
    );
    expect(said(findings)).toContain('Java heap space');
    expect(said(findings)).toContain('-Xmx256m');
    expect(said(findings)).toContain('Dockerfile');
    expect(ctx.casebook.suspectFiles.map((f) => f.path)).toContain('Dockerfile');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(SHA);
  });
});
