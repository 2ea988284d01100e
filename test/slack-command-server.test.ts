import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../src/config/load.js';
import { dedupeStoreFromEnv } from '../src/dedupe/store-from-env.js';
import type { SandboxSlackMessage } from '../src/report/schema.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { createInProcessDispatcher } from '../src/slack-command/dispatch-in-process.js';
import { startSlackCommandServer, type SlackCommandServer } from '../src/slack-command/server.js';
import { diagnoseOnce } from '../src/triggers/diagnose-session.js';
import { errorMessage } from '../src/errors/errors.js';
import { silentLogger } from '../src/util/log.js';
import { eventually, postCommand, startResponseUrls, type ResponseUrls } from './helpers/slack-command.js';

// The slash-command endpoint with in-process diagnoses against the cart scenario's local APIs.
const CONCURRENCY = 2;
const QUEUE = 3;

let sandbox: Sandbox;
let responses: ResponseUrls;
let server: SlackCommandServer;
let endpoint: string;
let secret: string;
// Observed from outside the server: how many diagnoses are inside the one core at once.
let active = 0;
let peak = 0;

const posts = (): SandboxSlackMessage[] => sandbox.slackMessages().filter((m) => !m.thread_ts);
const send = (fields: Record<string, string>, options: { timestamp?: number; signature?: string } = {}) =>
  postCommand(endpoint, fields, { secret, ...options });

beforeAll(async () => {
  sandbox = await startSandbox(
    await loadScenario(join(import.meta.dirname, '..', 'scenarios', 'cart-service-loafers')),
  );
  responses = await startResponseUrls();
  secret = sandbox.env.SLACK_SIGNING_SECRET;
  const env = { ...sandbox.env, PATH: process.env.PATH, HOME: process.env.HOME };
  const dispatcher = createInProcessDispatcher({
    env,
    logger: silentLogger,
    diagnoseOnce: async (flags, deps) => {
      active += 1;
      peak = Math.max(peak, active);
      try {
        return await diagnoseOnce(flags, deps);
      } finally {
        active -= 1;
      }
    },
  });
  server = await startSlackCommandServer(
    {
      signingSecret: secret,
      dispatcher,
      validate: async (service, namespace) => {
        try {
          const s = await loadSettings({ service, ...(namespace ? { namespace } : {}) }, env);
          return { service: s.service, namespace: s.namespace };
        } catch (error) {
          return { error: errorMessage(error) };
        }
      },
      concurrency: CONCURRENCY,
      queueLimit: QUEUE,
      cooldownMs: 10 * 60_000,
      channel: sandbox.env.SLACK_CHANNEL_ID,
      logger: silentLogger,
    },
    { port: 0, host: '127.0.0.1' },
  );
  endpoint = `${server.url}/slack/commands`;
});

afterAll(async () => {
  await server?.idle();
  await server?.close();
  await responses?.close();
  await sandbox?.close();
});

describe('slash command: verification and the quick answers', () => {
  it('answers 401 to a bad signature, a stale or missing timestamp, and starts nothing', async () => {
    const stale = Math.floor(Date.now() / 1000) - 301;
    const replies = await Promise.all([
      send({ text: 'diagnose cart-service' }, { signature: 'v0=' + '0'.repeat(64) }),
      send({ text: 'diagnose cart-service' }, { timestamp: stale }),
      fetch(endpoint, { method: 'POST', body: 'text=diagnose+cart-service' }).then((r) => ({
        status: r.status,
      })),
    ]);
    expect(replies.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(server.stats().started).toBe(0);
  });

  it('answers ssl_check with 200, help with the usage, and a namespace outside the allowed ones with why', async () => {
    expect((await send({ ssl_check: '1', text: '' })).status).toBe(200);
    const help = await send({ text: 'help' });
    expect(help.status).toBe(200);
    expect(help.json).toMatchObject({ response_type: 'ephemeral' });
    expect(help.json?.text).toContain('/sre diagnose <service> [namespace]');
    expect((await send({ text: 'reboot everything' })).json?.text).toContain("unknown subcommand 'reboot'");
    const refused = await send({
      text: 'diagnose cart-service kube-system',
      response_url: responses.url('ns'),
    });
    expect(refused.json?.text).toMatch(/'kube-system' is outside the allowed namespaces/);
    expect(server.stats().started).toBe(0);
  });
});

describe('slash command: diagnosing', () => {
  it('acknowledges within 3 s, posts the report to the channel, links it on response_url, and points repeats at it', async () => {
    const before = posts().length;
    const ack = await send({ text: 'diagnose cart-service', response_url: responses.url('cart') });
    expect(ack.status).toBe(200);
    expect(ack.ms).toBeLessThan(3_000);
    expect(ack.json?.text).toContain('diagnosing *cart-service* in `default`');

    const repeat = await send({
      text: 'diagnose cart-service',
      user_id: 'U0BOB',
      response_url: responses.url('repeat'),
    });
    expect(repeat.json?.text).toMatch(/already (queued|running) \(asked by <@U0ALICE>\)/);

    const final = await eventually(() =>
      responses.messages('cart').find((m) => m.text.includes('report on')),
    );
    expect(responses.messages('cart')[0]?.text).toContain('Started diagnosing *cart-service*');
    const report = posts().slice(before);
    expect(report).toHaveLength(1);
    expect(report[0]?.text.toLowerCase()).toContain('loafers');
    const link = `https://sre-agent-sandbox.slack.com/archives/C0SANDBOX1/p${report[0]?.ts.replace('.', '')}`;
    expect(final.text).toContain(`<${link}|open it>`);
    expect(final.text).toContain('diagnosed:');

    await server.idle();
    const afterwards = await send({ text: 'diagnose cart-service', response_url: responses.url('after') });
    expect(afterwards.json?.text).toContain(`was diagnosed`);
    expect(afterwards.json?.text).toContain(`<${link}|the report>`);
    expect(posts().slice(before)).toHaveLength(1);
  });

  it('acknowledges 50 concurrent commands within 3 s each; runs no more than the limit at once; a full queue is told so', async () => {
    const before = posts().length;
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        send({
          text: `diagnose svc-${String(i).padStart(2, '0')}`,
          response_url: responses.url(`many-${i}`),
        }),
      ),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(Math.max(...replies.map((r) => r.ms))).toBeLessThan(3_000);
    const accepted = replies.filter((r) => r.json?.text?.includes(':mag:'));
    const busy = replies.filter((r) => r.json?.text?.includes('I am busy'));
    expect(accepted).toHaveLength(CONCURRENCY + QUEUE);
    expect(busy).toHaveLength(50 - CONCURRENCY - QUEUE);

    const midway = (await (await fetch(`${server.url}/stats`)).json()) as { running: number; queued: number };
    expect(midway.running).toBeLessThanOrEqual(CONCURRENCY);
    await server.idle();
    const stats = (await (await fetch(`${server.url}/stats`)).json()) as Record<string, number | string>;
    expect(stats).toMatchObject({
      maxRunning: CONCURRENCY,
      running: 0,
      queued: 0,
      rejected: 50 - CONCURRENCY - QUEUE,
    });
    expect(peak).toBe(CONCURRENCY);
    expect(posts().slice(before)).toHaveLength(CONCURRENCY + QUEUE);
  }, 90_000);
});

describe('slash command: two in-process replicas', () => {
  it('asked the same at once, both diagnose but only the first to claim posts; the other says so', async () => {
    const env = { ...sandbox.env, PATH: process.env.PATH, HOME: process.env.HOME };
    const replica = () =>
      startSlackCommandServer(
        {
          signingSecret: secret,
          dispatcher: createInProcessDispatcher({
            env,
            logger: silentLogger,
            diagnoseOnce,
            // What serve slack wires: Leases in the cluster, shared by every replica.
            claim: dedupeStoreFromEnv(env, {
              fallbackNamespace: 'default',
              holder: 'replica',
              logger: silentLogger,
            }).claim,
          }),
          validate: (service, namespace) => Promise.resolve({ service, namespace: namespace ?? 'default' }),
          concurrency: 1,
          queueLimit: 0,
          cooldownMs: 10 * 60_000,
          channel: sandbox.env.SLACK_CHANNEL_ID,
          logger: silentLogger,
        },
        { port: 0, host: '127.0.0.1' },
      );
    const replicas = await Promise.all([replica(), replica()]);
    try {
      const before = posts().length;
      const acks = await Promise.all(
        replicas.map((r, i) =>
          postCommand(
            `${r.url}/slack/commands`,
            { text: 'diagnose cart-service', response_url: responses.url(`replica-${i}`) },
            { secret },
          ),
        ),
      );
      expect(acks.map((a) => a.status)).toEqual([200, 200]);
      await Promise.all(replicas.map((r) => r.idle()));
      expect(posts().slice(before)).toHaveLength(1);
      const finals = [0, 1].map((i) => responses.messages(`replica-${i}`).at(-1)?.text ?? '');
      expect(finals.filter((t) => t.includes('open it'))).toHaveLength(1);
      expect(finals.filter((t) => t.includes('was already diagnosed'))).toHaveLength(1);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  }, 60_000);
});
