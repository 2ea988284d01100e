import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { parseLogLine } from '../src/util/log-lines.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: whether errors are the incident or a blip that is over is read from the log's own
 * clock against the run's clock, whatever format the runtime prints its time in (a comma before
 * the milliseconds, a zone after a space, an access log's `[day/Mon/year:time zone]`): errors that
 * stopped hours ago with requests served since are history; errors still logged, or 5xx answers
 * in the access log since, are not.
 */
describe('log times in the shapes runtimes print them', () => {
  it('reads each as the same instant in ISO 8601 (a time without a zone as UTC)', () => {
    expect(parseLogLine('2026-12-01 03:10:00,123 ERROR [main] c.a.Pool - refused').time).toBe(
      '2026-12-01T03:10:00.123Z',
    );
    const gunicorn = parseLogLine('[2026-12-01 03:10:00 +0100] [12] [ERROR] Worker timeout');
    expect(gunicorn).toMatchObject({ time: '2026-12-01T03:10:00+01:00', level: 'error' });
    const access = parseLogLine(
      '10.0.4.2 - - [01/Dec/2026:09:15:02 +0000] "POST /api/renew HTTP/1.1" 502 157 "-" "curl/8.5"',
    );
    expect(access).toMatchObject({ time: '2026-12-01T09:15:02+00:00', level: 'error' });
    expect(parseLogLine('10.0.4.2 - - [01/Dec/2026:09:15:02 +0000] "GET / HTTP/1.1" 200 9').level).toBe(
      undefined,
    );
  });
});

describe('errors that stopped hours ago, with requests served since', () => {
  const pod = 'renewals-5f6e7d8c9-h3j4k';
  // A JVM service logging with log4j's default pattern; an nginx sidecar-less access log after it.
  const outage = Array.from(
    { length: 5 },
    (_, i) =>
      `2026-12-01 03:1${i}:00,482 ERROR [http-nio-8080-exec-${i}] o.h.e.j.s.SqlExceptionHelper - Connection to 10.9.0.4:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.`,
  ).join('\n');
  const served = (status: number) =>
    ['09:40', '10:10', '10:45', '11:20', '11:55']
      .map(
        (t) =>
          `10.0.4.2 - - [01/Dec/2026:${t}:07 +0000] "GET /api/renewals/77 HTTP/1.1" ${status} 312 "-" "okhttp/4.12"`,
      )
      .join('\n');

  function cluster(since: string): FakeCluster {
    return {
      workloads: {
        renewals: {
          workload: { kind: 'Deployment', name: 'renewals' },
          pods: [{ name: pod, startTime: '2026-11-28T08:00:00Z', containers: [running('renewals')] }],
        },
      },
      logs: { [pod]: `${outage}\n${since}\n` },
    };
  }

  async function diagnose(c: FakeCluster) {
    const ctx = engineContext(fakeTools(c), { service: 'renewals', now: '2026-12-01T12:00:00Z' });
    return new OfflineEngine().diagnose(ctx);
  }

  it('is a recovered blip: healthy, with what happened and when it stopped', async () => {
    const findings = await diagnose(cluster(served(200)));
    expect(findings.status).toBe('healthy');
    expect(said(findings)).toContain('2026-12-01T03:14:00.482Z');
  });

  it('is not over while the access log shows 5xx answers since', async () => {
    const findings = await diagnose(cluster(served(503)));
    expect(findings.status).not.toBe('healthy');
  });

  it('is not over when the errors are minutes old', async () => {
    const recent = outage.replace(/2026-12-01 03:1(\d)/g, '2026-12-01 11:5$1');
    const c = cluster(served(200));
    c.logs = { [pod]: `${served(200)}\n${recent}\n` };
    const findings = await diagnose(c);
    expect(findings.status).not.toBe('healthy');
  });
});

describe("klog, the Kubernetes components' format", () => {
  it('reads the level from the first letter and claims no time, since the year is not printed', () => {
    const line = parseLogLine(
      'E1201 03:10:00.123456       1 reconciler.go:88] failed to sync Certificate shop/api: secret "api-tls" not found',
    );
    expect(line.level).toBe('error');
    expect(line.time).toBeUndefined();
    expect(line.text).toBe('failed to sync Certificate shop/api: secret "api-tls" not found');
    expect(parseLogLine('I1201 03:10:00.1 7 main.go:12] started').level).toBe('info');
  });
});
