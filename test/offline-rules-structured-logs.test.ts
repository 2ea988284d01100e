import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { analyzeLog } from '../src/llm/offline/log-analysis.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a JSON log line is an error when its level field says so, whatever the logger calls
 * that field (`LogLevel`, `@l`, `log.level`, `levelname`…), and the exception it carries (`Exception`,
 * `@x`, `error.stack_trace`, `exc_info`, log4j2's `thrown`) is read with its frames, so the
 * application's own frame leads to the file and the change that broke it. Logs in these formats
 * are never "clean" while they hold exceptions.
 */
describe('structured JSON log lines', () => {
  it(".NET's JsonConsoleFormatter: LogLevel, Message and a multi-line Exception with an inner cause", () => {
    const line = JSON.stringify({
      Timestamp: '2026-11-02T08:00:01.5Z',
      EventId: 3,
      LogLevel: 'Error',
      Category: 'Acme.Ledger.Worker',
      Message: 'Posting batch failed',
      Exception:
        "System.AggregateException: One or more errors occurred.\n ---> System.Collections.Generic.KeyNotFoundException: The given key 'EUR' was not present in the dictionary.\n   at System.Collections.Generic.Dictionary`2.get_Item(TKey key)\n   at Acme.Ledger.Fx.Rates.Convert(Decimal amount, String currency) in /build/Ledger/Fx/Rates.cs:line 52\n   --- End of inner exception stack trace ---",
    });
    const info = JSON.stringify({
      Timestamp: '2026-11-02T08:00:00Z',
      LogLevel: 'Information',
      Message: 'ok',
    });
    const { signatures } = analyzeLog(`${info}\n${line}\n${line}\n`);
    expect(signatures).toHaveLength(1);
    expect(signatures[0]).toMatchObject({
      kind: 'exception',
      type: 'System.AggregateException',
      count: 2,
      firstAt: '2026-11-02T08:00:01.5Z',
    });
    expect(signatures[0]?.message).toContain('KeyNotFoundException');
    expect(signatures[0]?.appFrame).toMatchObject({ file: '/build/Ledger/Fx/Rates.cs', line: 52 });
  });

  it('Elastic Common Schema with nested log.level and error objects', () => {
    const line = JSON.stringify({
      '@timestamp': '2026-11-02T08:00:00.000Z',
      log: { level: 'error', logger: 'billing' },
      message: 'charge failed',
      error: {
        type: 'java.lang.ArithmeticException',
        message: '/ by zero',
        stack_trace:
          'java.lang.ArithmeticException: / by zero\n\tat com.acme.billing.Split.share(Split.java:19)\n\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)',
      },
    });
    const [s] = analyzeLog(line).signatures;
    expect(s).toMatchObject({
      kind: 'exception',
      type: 'java.lang.ArithmeticException',
      message: '/ by zero',
    });
    expect(s?.appFrame).toMatchObject({ file: 'com/acme/billing/Split.java', line: 19 });
  });

  it("python-json-logger's levelname and exc_info traceback, innermost frame first", () => {
    const line = JSON.stringify({
      asctime: '2026-11-02 08:00:00,120',
      levelname: 'ERROR',
      name: 'worker',
      message: 'job crashed',
      exc_info:
        'Traceback (most recent call last):\n  File "/srv/worker/main.py", line 30, in run\n    handle(job)\n  File "/srv/worker/handlers.py", line 8, in handle\n    return int(job["size"])\nValueError: invalid literal for int() with base 10: \'big\'',
    });
    const [s] = analyzeLog(line).signatures;
    expect(s).toMatchObject({ kind: 'exception', type: 'ValueError', firstAt: '2026-11-02T08:00:00.120Z' });
    expect(s?.appFrame).toMatchObject({ file: '/srv/worker/handlers.py', line: 8 });
  });

  it("log4j2's JsonLayout: a thrown object whose frames are an array", () => {
    const line = JSON.stringify({
      instant: { epochSecond: 1793606400 },
      level: 'ERROR',
      loggerName: 'com.acme.Router',
      message: 'route failed',
      thrown: {
        name: 'java.lang.IllegalStateException',
        message: 'no route for depot 7',
        extendedStackTrace: [
          { class: 'com.acme.routing.Planner', method: 'plan', file: 'Planner.java', line: 77 },
          { class: 'java.lang.Thread', method: 'run', file: 'Thread.java', line: 1583 },
        ],
      },
    });
    const [s] = analyzeLog(line).signatures;
    expect(s).toMatchObject({ type: 'java.lang.IllegalStateException', message: 'no route for depot 7' });
    expect(s?.appFrame).toMatchObject({ file: 'com/acme/routing/Planner.java', line: 77 });
  });

  it('a message that is itself a trace (Cloud Logging style), with a line of context above the exception', () => {
    const node = JSON.stringify({
      severity: 'ERROR',
      timestamp: '2026-11-02T08:00:00Z',
      message:
        "TypeError: Cannot read properties of undefined (reading 'zone')\n    at quote (/srv/app/src/pricing/quote.js:27:31)\n    at Layer.handle (/srv/app/node_modules/express/lib/router/layer.js:95:5)",
    });
    const [n] = analyzeLog(node).signatures;
    expect(n).toMatchObject({ kind: 'exception', type: 'TypeError' });
    expect(n?.appFrame).toMatchObject({ file: '/srv/app/src/pricing/quote.js', line: 27 });
    const kotlin = JSON.stringify({
      level: 'ERROR',
      message: 'settlement run aborted',
      stack_trace:
        'run 2026-11-02 failed\njava.lang.IllegalStateException: no open period\n\tat com.acme.settle.Periods.current(Periods.kt:33)',
    });
    const [k] = analyzeLog(kotlin).signatures;
    expect(k).toMatchObject({ type: 'java.lang.IllegalStateException', message: 'no open period' });
    expect(k?.appFrame).toMatchObject({ file: 'com/acme/settle/Periods.kt', line: 33 });
  });

  it("quotes pino's msg once when it is the error's own message (no doubled 'X: Error: X')", () => {
    const text = "EROFS: read-only file system, open '/srv/cache/a1'";
    const line = JSON.stringify({
      level: 50,
      time: 1796296361253,
      err: { type: 'Error', message: text, stack: `Error: ${text}\n    at open (node:fs:573:11)` },
      msg: text,
    });
    const [s] = analyzeLog(line).signatures;
    expect(s?.sample).toBe(text);
    // A summary that says more than the message is kept.
    const other = JSON.stringify({ level: 50, msg: 'upload failed', err: { type: 'Error', message: text } });
    expect(analyzeLog(other).signatures[0]?.sample).toBe(`upload failed: Error: ${text}`);
  });

  it('reads Information, Verbose and numeric info levels as clean', () => {
    const log = [
      { '@t': '2026-11-02T08:00:00Z', '@mt': 'Started {Worker}' },
      { Timestamp: '2026-11-02T08:00:01Z', LogLevel: 'Information', Message: 'listening' },
      { '@t': '2026-11-02T08:00:02Z', '@l': 'Verbose', '@mt': 'tick' },
      { time: 1793606400000, level: 30, msg: 'ok' },
      { severity: 'DEFAULT', textPayload: 'x' },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n');
    expect(analyzeLog(log).signatures).toEqual([]);
  });

  describe('in the engine', () => {
    const pod = 'ledger-poster-7d8c9b6f5-q4w2e';
    // Serilog's compact JSON (CLEF): `@l` level, `@mt` template, `@x` exception.
    const failure = JSON.stringify({
      '@t': '2026-11-02T07:58:10.4410000Z',
      '@mt': 'Batch {BatchId} could not be posted',
      '@l': 'Error',
      '@x': 'System.NullReferenceException: Object reference not set to an instance of an object.\n   at Acme.Ledger.Posting.JournalWriter.Write(Batch batch) in /build/src/Ledger/Posting/JournalWriter.cs:line 64\n   at Acme.Ledger.Posting.Poster.RunAsync(CancellationToken ct) in /build/src/Ledger/Posting/Poster.cs:line 21',
      BatchId: 'b-1',
    });
    const fine = JSON.stringify({
      '@t': '2026-11-02T07:58:00Z',
      '@mt': 'Batch {BatchId} posted',
      BatchId: 'b-0',
    });
    const cluster: FakeCluster = {
      workloads: {
        'ledger-poster': {
          workload: { kind: 'Deployment', name: 'ledger-poster' },
          pods: [{ name: pod, startTime: '2026-11-02T06:00:00Z', containers: [running('ledger-poster')] }],
        },
      },
      logs: { [pod]: `${fine}\n${failure}\n${fine}\n${failure}\n${failure}\n` },
      repo: {
        'src/Ledger/Posting/JournalWriter.cs': Array.from({ length: 80 }, (_, i) =>
          i === 63 ? '        var account = batch.Account.Code;' : `        // line ${i + 1}`,
        ).join('\n'),
      },
      commits: [
        {
          sha: 'aa11bb22cc33dd44ee55ff6600112233445566aa',
          message: 'build: bump the SDK image',
          date: '2026-11-01T18:00:00Z',
          files: [{ path: 'Dockerfile', patch: '@@ -1 +1 @@\n-FROM sdk:8.0.403\n+FROM sdk:8.0.404' }],
        },
        {
          sha: 'c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff',
          message: 'Posting: read the account from the batch',
          date: '2026-11-01T15:00:00Z',
          files: [
            {
              path: 'src/Ledger/Posting/JournalWriter.cs',
              patch:
                '@@ -60,6 +60,6 @@ public sealed class JournalWriter\n-        var account = _accounts.Find(batch.AccountId) ?? Account.Suspense;\n+        var account = batch.Account.Code;',
            },
          ],
        },
      ],
    };

    it('is not called healthy: the exception, its file and the commit that touched it are named', async () => {
      const ctx = engineContext(fakeTools(cluster), { service: 'ledger-poster' });
      const findings = await new OfflineEngine().diagnose(ctx);
      expect(findings.status).toBe('diagnosed');
      expect(said(findings)).toContain('NullReferenceException');
      expect(ctx.casebook.suspectFiles[0]?.path).toBe('src/Ledger/Posting/JournalWriter.cs');
      expect(ctx.casebook.suspectCommits.map((c) => c.sha)).toEqual([
        'c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff',
      ]);
      // The first evidence is the fault, not a pod's status line.
      expect(ctx.casebook.evidence[0]?.detail).toContain('NullReferenceException');
    });
  });
});
