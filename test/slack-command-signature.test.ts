import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../src/slack-command/command-text.js';
import { signSlackRequest, verifySlackSignature } from '../src/slack-command/signature.js';
import { WorkQueue } from '../src/slack-command/work-queue.js';

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const body = Buffer.from(
  'token=x&team_id=T1&command=%2Fsre&text=diagnose+cart-service&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1',
);
const now = 1_795_185_000;

describe('Slack request signatures (v0 HMAC-SHA256 of v0:timestamp:body)', () => {
  it('accepts a request signed with the secret over the raw body, within five minutes', () => {
    const timestamp = String(now - 299);
    const signature = signSlackRequest(secret, timestamp, body);
    expect(signature).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(verifySlackSignature({ secret, timestamp, signature, body, nowSeconds: now })).toEqual({
      ok: true,
    });
  });

  it('refuses a wrong secret, a changed body, a missing or malformed header, and a stale or future timestamp', () => {
    const timestamp = String(now);
    const good = signSlackRequest(secret, timestamp, body);
    const refuse = (input: Partial<Parameters<typeof verifySlackSignature>[0]>) =>
      verifySlackSignature({ secret, timestamp, signature: good, body, nowSeconds: now, ...input });
    expect(refuse({ secret: 'other' })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not match/),
    });
    expect(refuse({ body: Buffer.concat([body, Buffer.from('&x=1')]) })).toMatchObject({ ok: false });
    expect(refuse({ signature: undefined })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/X-Slack-Signature/),
    });
    expect(refuse({ signature: good.slice(0, -1) })).toMatchObject({ ok: false });
    expect(refuse({ signature: good.replace('v0=', 'v1=') })).toMatchObject({ ok: false });
    expect(refuse({ timestamp: undefined })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/Timestamp/),
    });
    expect(refuse({ timestamp: '12ab' })).toMatchObject({ ok: false });
    const stale = String(now - 301);
    expect(refuse({ timestamp: stale, signature: signSlackRequest(secret, stale, body) })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/more than five minutes/),
    });
    const future = String(now + 301);
    expect(refuse({ timestamp: future, signature: signSlackRequest(secret, future, body) })).toMatchObject({
      ok: false,
    });
  });
});

describe('/sre command text', () => {
  it('reads diagnose with a service and an optional namespace, help, and says what it did not understand', () => {
    expect(parseCommandText('diagnose cart-service')).toEqual({ kind: 'diagnose', service: 'cart-service' });
    expect(parseCommandText('  Diagnose   cart-service   shop ')).toEqual({
      kind: 'diagnose',
      service: 'cart-service',
      namespace: 'shop',
    });
    expect(parseCommandText('')).toEqual({ kind: 'help' });
    expect(parseCommandText('help')).toEqual({ kind: 'help' });
    expect(parseCommandText('restart cart')).toMatchObject({
      kind: 'unknown',
      problem: "unknown subcommand 'restart'",
    });
    expect(parseCommandText('diagnose')).toMatchObject({
      kind: 'unknown',
      problem: 'name the service to diagnose',
    });
    expect(parseCommandText('diagnose <!channel>')).toMatchObject({ kind: 'unknown' });
    expect(parseCommandText('diagnose a b c')).toMatchObject({ kind: 'unknown', problem: "unexpected 'c'" });
  });
});

describe('bounded work queue', () => {
  it('runs at most `concurrency` at once, queues up to its limit, refuses beyond, and counts it all', async () => {
    const queue = new WorkQueue(2, 3, () => {});
    let active = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const task = () =>
      new Promise<void>((resolve) => {
        active += 1;
        peak = Math.max(peak, active);
        releases.push(() => {
          active -= 1;
          resolve();
        });
      });
    const places = Array.from({ length: 7 }, () => queue.offer(task));
    expect(places).toEqual([0, 0, 1, 2, 3, null, null]);
    expect(queue.snapshot()).toMatchObject({ running: 2, queued: 3, rejected: 2 });
    while (queue.snapshot().finished < 5) {
      await new Promise((r) => setTimeout(r, 1));
      releases.shift()?.();
    }
    await queue.idle();
    expect(peak).toBe(2);
    expect(queue.snapshot()).toMatchObject({ running: 0, queued: 0, maxRunning: 2, started: 5, finished: 5 });
  });

  it('keeps going when a task fails, reporting the error', async () => {
    const errors: unknown[] = [];
    const queue = new WorkQueue(1, 1, (e) => errors.push(e));
    queue.offer(() => Promise.reject(new Error('boom')));
    let ran = false;
    queue.offer(async () => {
      ran = true;
    });
    await queue.idle();
    expect(ran).toBe(true);
    expect(errors).toHaveLength(1);
  });
});
