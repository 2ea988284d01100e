import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/schema.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { BIN, type CliResult } from './helpers/cli.js';
import { snsAlarmEvent } from './helpers/cloudwatch-events.js';

// `sre-agent run-event` as a container job runs it: a child process with an explicit environment
// pointing at the cart scenario's local APIs.
let sandbox: Sandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox(
    await loadScenario(join(import.meta.dirname, '..', 'scenarios', 'cart-service-loafers')),
  );
  dir = await mkdtemp(join(tmpdir(), 'run-event-'));
});
afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

function runEvent(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--', BIN, 'run-event', ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...sandbox.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

const posts = () => sandbox.slackMessages().filter((m) => !m.thread_ts);
const logLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { level: string; msg: string });

describe('sre-agent run-event', () => {
  it('reads an SNS alarm from --file: one JSON report on stdout, one post, JSON log lines; a redelivery posts nothing', async () => {
    const file = join(dir, 'sns.json');
    await writeFile(file, JSON.stringify(snsAlarmEvent({ time: '2026-11-20T14:10:00.000+0000' })));
    const first = await runEvent(['--file', file, '--output', 'json']);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as Report;
    expect(report).toMatchObject({ service: 'cart-service', status: 'diagnosed', slack: { posted: true } });
    expect(report.rootCause.statement).toMatch(/RedisCartStore/);
    expect(logLines(first.stderr).some((l) => l.msg === 'incident for cart-service')).toBe(true);
    expect(posts()).toHaveLength(1);

    const again = await runEvent(['--file', file, '--output', 'json']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('another delivery of this incident already posted its report');
    expect(posts()).toHaveLength(1);
  });

  it('reads SRE_TRIGGER_JSON, the way a dispatched Job gets its trigger', async () => {
    const trigger = {
      service: 'cart-service',
      namespace: 'default',
      dedupeKey: 'slack:default/cart-service:1',
    };
    const result = await runEvent(['--output', 'json'], { SRE_TRIGGER_JSON: JSON.stringify(trigger) });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Report).slack.posted).toBe(true);
    expect(posts()).toHaveLength(2);
  });

  it('reads standard input; an OK state exits 0 with a log line, junk and unknown shapes exit 2, nothing is posted', async () => {
    const ok = await runEvent([], {}, JSON.stringify(snsAlarmEvent({ state: 'OK' })));
    expect(ok.code).toBe(0);
    expect(logLines(ok.stderr)).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: expect.stringMatching(/^event ignored: alarm .* changed to OK/),
      }),
    );
    const junk = await runEvent([], {}, 'this is not json');
    expect(junk.code).toBe(2);
    expect(junk.stderr).toMatch(/event ignored: standard input is not JSON/);
    const unknown = await runEvent([], {}, '{"hello": "world"}');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/event ignored: not a CloudWatch alarm/);
    expect(posts()).toHaveLength(2);
  });

  it('exits 2 naming where an event may come from when there is none', async () => {
    const none = await runEvent([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      'give --file <event.json>, pipe it on standard input, or set SRE_TRIGGER_JSON',
    );
  });
});
