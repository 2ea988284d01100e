import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { readOrigin, springFailures } from '../src/llm/offline/spring-failure-report.js';
import {
  engineContext,
  fakeTools,
  running,
  said,
  type FakeCluster,
  type FakePod,
} from './helpers/offline-fakes.js';

/**
 * Principle: when Spring Boot cannot start, its failure analysis ("APPLICATION FAILED TO START",
 * Description / Action) is the explanation, not the probe that then fails: a property that does not
 * bind is named with its value and the file and line Origin gives, and that file's recent commit
 * is the change; other analyzers (a missing bean, a variable from the environment) are stated in
 * Spring's words. A block in the log of a pod that has started cleanly since is history.
 */
const sha = (c: string) => c.repeat(40);
const pod = 'ledger-api-6c5d4b3a2-p9q8r';

function block(description: string[], action: string): string {
  return [
    '2026-12-01T11:50:02.310Z ERROR 1 --- [ledger-api] [           main] o.s.b.d.LoggingFailureAnalysisReporter   :',
    '',
    '***************************',
    'APPLICATION FAILED TO START',
    '***************************',
    '',
    'Description:',
    '',
    ...description,
    '',
    'Action:',
    '',
    action,
    '',
  ].join('\n');
}

const crashing = (name: string): FakePod => ({
  name,
  ready: '0/1',
  restarts: 4,
  containers: [
    running('ledger-api', {
      ready: false,
      state: 'waiting',
      reason: 'CrashLoopBackOff',
      restartCount: 4,
      lastTermination: { reason: 'Error', exitCode: 1 },
    }),
  ],
});

function cluster(previousLog: string, pods: FakePod[] = [crashing(pod)]): FakeCluster {
  return {
    workloads: { 'ledger-api': { workload: { kind: 'Deployment', name: 'ledger-api' }, pods } },
    events: [
      {
        type: 'Warning',
        reason: 'Unhealthy',
        object: `Pod/${pod}`,
        message:
          'Startup probe failed: Get "http://10.1.2.3:8081/actuator/health": connect: connection refused',
        count: 6,
      },
    ],
    logs: { [pod]: previousLog, [`${pod}.previous`]: previousLog },
    repo: {
      'service/src/main/resources/config/application.properties': [
        'spring.application.name=ledger-api',
        'ledger.export.batch-size=500',
        'ledger.export.flush-every=2 minutes',
        'ledger.export.bucket=ledger-exports',
      ].join('\n'),
      'service/src/test/resources/config/application.properties': 'ledger.export.flush-every=2m\n',
    },
    commits: [
      {
        sha: sha('a'),
        message: 'ci: pin the gradle wrapper',
        date: '2026-12-01T09:00:00Z',
        files: [{ path: 'gradle/wrapper/gradle-wrapper.properties', patch: '@@ -1 +1 @@\n-x\n+y' }],
      },
      {
        sha: sha('b'),
        message: 'export: flush less often',
        date: '2026-11-30T16:00:00Z',
        files: [
          {
            path: 'service/src/main/resources/config/application.properties',
            patch:
              '@@ -2,2 +2,2 @@\n ledger.export.batch-size=500\n-ledger.export.flush-every=30s\n+ledger.export.flush-every=2 minutes',
          },
        ],
      },
    ],
  };
}

const bindFailure = block(
  [
    "Failed to bind properties under 'ledger.export.flush-every' to java.time.Duration:",
    '',
    '    Property: ledger.export.flush-every',
    '    Value: "2 minutes"',
    '    Origin: class path resource [config/application.properties] from ledger-api.jar - 3:26',
    "    Reason: failed to convert java.lang.String to java.time.Duration (caused by java.lang.IllegalArgumentException: '2 minutes' is not a valid duration)",
  ],
  "Update your application's configuration",
);

describe('Spring Boot failure analysis', () => {
  it('parses the block, and Origin in its file, environment and property-source forms', () => {
    const [failure] = springFailures(`starting\n${bindFailure}2026-12-01T11:50:03Z INFO bye\n`);
    expect(failure?.headline).toMatch(/^Failed to bind properties under 'ledger.export.flush-every'/);
    expect(failure?.action).toBe("Update your application's configuration");
    expect(failure?.properties[0]).toMatchObject({
      property: 'ledger.export.flush-every',
      value: '"2 minutes"',
    });
    expect(readOrigin(failure?.properties[0]?.origin)).toEqual({
      kind: 'file',
      path: 'config/application.properties',
      line: 3,
      column: 26,
    });
    expect(readOrigin('URL [file:/etc/app/application.yml] - 4:9')).toMatchObject({
      path: '/etc/app/application.yml',
      line: 4,
    });
    expect(readOrigin('System Environment Property "LEDGER_EXPORT_FLUSHEVERY"')).toEqual({
      kind: 'env',
      name: 'LEDGER_EXPORT_FLUSHEVERY',
    });
  });

  it('reads the block from a structured (JSON) log line too', () => {
    const message = bindFailure.split('\n').slice(1).join('\n');
    const line = JSON.stringify({
      '@timestamp': '2026-12-01T11:50:02.310Z',
      'log.level': 'ERROR',
      message,
      'log.logger': 'org.springframework.boot.diagnostics.LoggingFailureAnalysisReporter',
    });
    expect(springFailures(`${line}\n`)[0]?.properties[0]?.property).toBe('ledger.export.flush-every');
  });

  it('names the property, its value, the file and line from Origin, and the commit that wrote it', async () => {
    const ctx = engineContext(fakeTools(cluster(bindFailure)), { service: 'ledger-api' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('ledger.export.flush-every');
    expect(said(findings)).toContain('2 minutes');
    expect(said(findings)).not.toMatch(/probe fails/);
    expect(ctx.casebook.suspectFiles[0]).toMatchObject({
      path: 'service/src/main/resources/config/application.properties',
      line: 3,
    });
    expect(ctx.casebook.suspectCommits.map((c) => c.sha)).toEqual([sha('b')]);
    expect(ctx.casebook.evidence[0]?.detail).toContain('APPLICATION FAILED TO START');
  });

  it("states another analyzer's cause (a missing bean) in Spring's words", async () => {
    const missingBean = block(
      [
        "Parameter 2 of constructor in com.acme.ledger.export.Exporter required a bean of type 'com.acme.ledger.storage.BlobClient' that could not be found.",
      ],
      "Consider defining a bean of type 'com.acme.ledger.storage.BlobClient' in your configuration.",
    );
    const ctx = engineContext(fakeTools(cluster(missingBean)), { service: 'ledger-api' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain("required a bean of type 'com.acme.ledger.storage.BlobClient'");
    expect(findings.suggestedFix).toContain('Consider defining a bean');
  });

  it('names the environment variable when Origin is the environment', async () => {
    const fromEnv = block(
      [
        "Failed to bind properties under 'ledger.export.batch-size' to int:",
        '',
        '    Property: ledger.export.batch-size',
        '    Value: "five hundred"',
        '    Origin: System Environment Property "LEDGER_EXPORT_BATCHSIZE"',
        '    Reason: failed to convert java.lang.String to int',
      ],
      "Update your application's configuration",
    );
    const ctx = engineContext(fakeTools(cluster(fromEnv)), { service: 'ledger-api' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('the environment variable LEDGER_EXPORT_BATCHSIZE');
    expect(said(findings)).toContain('five hundred');
  });

  it('leaves a block of a pod that has started cleanly since to the other rules', async () => {
    const recovered: FakePod = {
      name: pod,
      ready: '1/1',
      restarts: 1,
      containers: [
        running('ledger-api', { restartCount: 1, lastTermination: { reason: 'Error', exitCode: 1 } }),
      ],
    };
    const c = cluster(bindFailure, [recovered]);
    c.logs = {
      [pod]: '2026-12-01T11:55:00Z INFO Started LedgerApplication\n',
      [`${pod}.previous`]: bindFailure,
    };
    c.events = [];
    const ctx = engineContext(fakeTools(c), { service: 'ledger-api' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(said(findings)).not.toContain('APPLICATION FAILED TO START');
  });
});
