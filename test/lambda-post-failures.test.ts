import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../src/lambda.js';
import type { Report, SandboxSlackMessage } from '../src/report/schema.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { silentLogger } from '../src/util/log.js';
import { snsAlarmEvent } from './helpers/cloudwatch-events.js';

// The Lambda handler when the post fails, and a warm function's memory dedupe store: what a user
// sees in Slack, in the function's logs, and in how the invocation ends.
const SCENARIO = join(import.meta.dirname, '..', 'scenarios', 'cart-service-loafers');
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox(await loadScenario(SCENARIO));
});
afterAll(() => sandbox.close());

const context = (id: string) => ({
  awsRequestId: id,
  functionName: 'sre-agent',
  getRemainingTimeInMillis: () => 300_000,
});
const topLevelPosts = (): SandboxSlackMessage[] => sandbox.slackMessages().filter((m) => !m.thread_ts);

describe('Lambda: a report is never lost, never posted twice', () => {
  it('channel_not_found: the handler throws, the log holds the whole report, and the retry posts it once', async () => {
    let channel = 'C0GONE';
    const env = () => ({
      ...sandbox.env,
      SLACK_CHANNEL_ID: channel,
      SRE_AGENT_DEDUPE: 'memory',
      PATH: process.env.PATH,
      HOME: process.env.HOME,
    });
    const stdout: string[] = [];
    const handler = createHandler({ env, logger: silentLogger, stdout: (line) => stdout.push(line) });
    const event = snsAlarmEvent({ time: '2026-11-20T14:20:00.000+0000' });
    const before = topLevelPosts().length;

    await expect(handler(event, context('lost-1'))).rejects.toThrow(
      /the report for cart-service was not posted \(.*channel_not_found.*\); it is in the log above, and the event will be retried/,
    );
    expect(topLevelPosts()).toHaveLength(before);
    expect(stdout).toHaveLength(1);
    const line = JSON.parse(stdout[0] ?? '{}') as { msg: string; awsRequestId: string; report: Report };
    expect(line).toMatchObject({ msg: 'report not posted to Slack', awsRequestId: 'lost-1' });
    expect(line.report.rootCause.statement).toContain('RedisCartStore');
    expect(line.report.slack).toMatchObject({
      posted: false,
      error: expect.stringMatching(/channel_not_found/),
    });

    // Lambda retries the event; the channel is fixed by then. The claim was given back, so it posts.
    channel = sandbox.env.SLACK_CHANNEL_ID;
    const retried = await handler(event, context('lost-2'));
    expect(retried).toMatchObject({ status: 'reported', posted: true });
    expect(topLevelPosts()).toHaveLength(before + 1);
  });

  it('two warm deliveries of one alarm with the memory store: one post', async () => {
    const env = () => ({
      ...sandbox.env,
      SRE_AGENT_DEDUPE: 'memory',
      PATH: process.env.PATH,
      HOME: process.env.HOME,
    });
    const handler = createHandler({ env, logger: silentLogger });
    const event = snsAlarmEvent({ time: '2026-11-20T14:25:00.000+0000' });
    const before = topLevelPosts().length;
    const first = await handler(event, context('warm-1'));
    const second = await handler(structuredClone(event), context('warm-2'));
    expect(first).toMatchObject({ status: 'reported', posted: true });
    expect(second).toMatchObject({ status: 'duplicate' });
    expect(topLevelPosts()).toHaveLength(before + 1);
  });
});
