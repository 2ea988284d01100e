import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryDedupeStore } from '../src/dedupe/memory-store.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { createInProcessDispatcher } from '../src/slack-command/dispatch-in-process.js';
import { startSlackCommandServer } from '../src/slack-command/server.js';
import { diagnoseOnce } from '../src/triggers/diagnose-session.js';
import { silentLogger } from '../src/util/log.js';
import { postCommand, startResponseUrls, type ResponseUrls } from './helpers/slack-command.js';

let sandbox: Sandbox;
let responses: ResponseUrls;
beforeAll(async () => {
  sandbox = await startSandbox(
    await loadScenario(join(import.meta.dirname, '..', 'scenarios', 'cart-service-loafers')),
  );
  responses = await startResponseUrls();
});
afterAll(async () => {
  await responses.close();
  await sandbox.close();
});

describe('slash command after a restart', () => {
  it('does not call its own earlier run "another replica at the same time"', async () => {
    const env = { ...sandbox.env, PATH: process.env.PATH, HOME: process.env.HOME };
    // The claims outlive the process (Leases in the cluster); the cooldown memory does not.
    const store = createMemoryDedupeStore();
    const start = () =>
      startSlackCommandServer(
        {
          signingSecret: sandbox.env.SLACK_SIGNING_SECRET,
          dispatcher: createInProcessDispatcher({
            env,
            logger: silentLogger,
            diagnoseOnce,
            claim: store.claim,
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
    for (const run of ['before', 'after']) {
      const server = await start();
      try {
        const ack = await postCommand(
          `${server.url}/slack/commands`,
          { text: 'diagnose cart-service', response_url: responses.url(run) },
          { secret: sandbox.env.SLACK_SIGNING_SECRET },
        );
        expect(ack.status).toBe(200);
        await server.idle();
      } finally {
        await server.close();
      }
    }
    expect(sandbox.slackMessages().filter((m) => !m.thread_ts)).toHaveLength(1);
    const after = responses.messages('after').at(-1)?.text ?? '';
    expect(after).toContain('was already diagnosed');
    expect(after).not.toMatch(/another replica|at the same time/);
  }, 60_000);
});
