import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../src/lambda.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { silentLogger } from '../src/util/log.js';
import { runCli } from './helpers/cli.js';
import { startFaultProxy } from './helpers/fault-proxy.js';
import { eventBridgeAlarmEvent, snsAlarmEvent } from './helpers/cloudwatch-events.js';

// Issue 13 point 6: an alarm's OK is told in its report's thread, through the Lambda handler,
// with the report's channel and ts kept by the dedupe store (Leases in the sandbox's Kubernetes).
let sandbox: Sandbox;
let handler: ReturnType<typeof createHandler>;
const context = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 300_000 });

beforeAll(async () => {
  sandbox = await startSandbox(
    await loadScenario(join(import.meta.dirname, '..', 'scenarios', 'cart-service-loafers')),
  );
  const env = { ...sandbox.env, PATH: process.env.PATH, HOME: process.env.HOME };
  handler = createHandler({ env: () => env, logger: silentLogger });
});
afterAll(() => sandbox.close());

describe('alarm recovery', () => {
  it('ALARM then OK: one post, and one recovery reply in its thread (also when OK comes twice)', async () => {
    const before = sandbox.slackMessages().length;
    const alarm = await handler(snsAlarmEvent({ time: '2026-11-20T14:29:00.000+0000' }), context('a-1'));
    expect(alarm).toMatchObject({ status: 'reported', posted: true });
    const ok = snsAlarmEvent({ state: 'OK', time: '2026-11-20T14:52:10.000+0000' });
    const recovered = await handler(ok, context('ok-1'));
    expect(recovered).toMatchObject({ status: 'ignored', recovery: { replied: true } });
    // SNS delivers at least once: the same OK again says nothing more.
    expect(await handler(structuredClone(ok), context('ok-2'))).toMatchObject({
      recovery: { replied: false, reason: 'this recovery was already told' },
    });
    const messages = sandbox.slackMessages().slice(before);
    const top = messages.filter((m) => !m.thread_ts);
    expect(top).toHaveLength(1);
    const replies = messages.filter((m) => m.thread_ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.thread_ts).toBe(alarm.slackTs);
    expect(replies[0]?.channel).toBe(top[0]?.channel);
    expect(replies[0]?.text).toContain('recovered at 14:52 UTC, 23 min after the alarm');
  }, 60_000);

  it('OK of an alarm whose report was never posted: no reply and no post', async () => {
    const before = sandbox.slackMessages().length;
    const result = await handler(
      eventBridgeAlarmEvent({ name: 'never-reported', state: 'OK', time: '2026-11-20T15:00:00.000+0000' }),
      context('ok-3'),
    );
    expect(result).toMatchObject({
      status: 'ignored',
      recovery: { replied: false, reason: 'no report of this alarm was posted' },
    });
    expect(sandbox.slackMessages().slice(before)).toEqual([]);
  });

  it('from the built CLI: run-event with the ALARM, then with the OK, replies in the thread', async () => {
    // The CLI bundle loads the Slack client lazily; a reply that worked only from the sources
    // would fail here.
    const dir = await mkdtemp(join(tmpdir(), 'alarm-recovery-'));
    try {
      const env = { ...sandbox.env };
      const alarmFile = join(dir, 'alarm.json');
      const okFile = join(dir, 'ok.json');
      const name = 'cart-service-5xx-from-cli';
      await writeFile(
        alarmFile,
        JSON.stringify(snsAlarmEvent({ name, time: '2026-11-21T09:00:00.000+0000' })),
      );
      await writeFile(
        okFile,
        JSON.stringify(snsAlarmEvent({ name, state: 'OK', time: '2026-11-21T09:41:00.000+0000' })),
      );
      const before = sandbox.slackMessages().length;
      const alarm = await runCli(['run-event', '--file', alarmFile, '--output', 'json'], env);
      expect(alarm.code, alarm.stderr).toBe(0);
      const recovered = await runCli(['run-event', '--file', okFile], env);
      expect(recovered.code, recovered.stderr).toBe(0);
      expect(recovered.stderr).not.toContain('the thread reply failed');
      const messages = sandbox.slackMessages().slice(before);
      const top = messages.filter((m) => !m.thread_ts);
      expect(top).toHaveLength(1);
      const replies = messages.filter((m) => m.thread_ts);
      expect(replies.map((m) => m.thread_ts)).toEqual([top[0]?.ts]);
      expect(replies[0]?.text).toContain('recovered at 09:41 UTC, 41 min after the alarm');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('a thread reply whose answer never comes back in time is not sent a second time', async () => {
    // Slack stores the reply but answers after the client gave up: a blind retry would post twice.
    const proxy = await startFaultProxy(new URL(sandbox.env.SLACK_API_URL).origin, [
      { match: /^POST \/api\/chat\.postMessage$/, fault: { kind: 'slow', ms: 2_500 }, times: 1 },
    ]);
    try {
      const env = { ...sandbox.env, PATH: process.env.PATH, HOME: process.env.HOME };
      const alarmName = 'cart-service-latency';
      const direct = createHandler({ env: () => env, logger: silentLogger });
      const alarm = await direct(
        snsAlarmEvent({ name: alarmName, time: '2026-11-22T08:00:00.000+0000' }),
        context('s-1'),
      );
      expect(alarm).toMatchObject({ posted: true });
      const slowEnv = { ...env, SLACK_API_URL: `${proxy.url}/api/`, SRE_AGENT_SLACK_TIMEOUT: '1s' };
      const slow = createHandler({ env: () => slowEnv, logger: silentLogger });
      const before = sandbox.slackMessages().length;
      const recovered = await slow(
        snsAlarmEvent({ name: alarmName, state: 'OK', time: '2026-11-22T08:30:00.000+0000' }),
        context('s-2'),
      );
      expect(recovered).toMatchObject({ recovery: { replied: false } });
      // SNS delivers the same OK again: the claim is kept, since the first reply may be there.
      const again = await slow(
        snsAlarmEvent({ name: alarmName, state: 'OK', time: '2026-11-22T08:30:00.000+0000' }),
        context('s-3'),
      );
      expect(again).toMatchObject({ recovery: { replied: false, reason: 'this recovery was already told' } });
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const replies = sandbox
        .slackMessages()
        .slice(before)
        .filter((m) => m.thread_ts === alarm.slackTs);
      expect(replies).toHaveLength(1);
      expect(proxy.seen.filter((s) => s.request === 'POST /api/chat.postMessage')).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
