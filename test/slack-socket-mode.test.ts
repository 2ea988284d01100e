import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { serveSlack } from '../src/triggers/serve-slack.js';
import { silentLogger } from '../src/util/log.js';
import { eventually, startResponseUrls, type ResponseUrls } from './helpers/slack-command.js';

// Issue 13 point 5: `serve slack --socket-mode` against the sandbox's Slack, which speaks Socket Mode.
let sandbox: Sandbox;
let responses: ResponseUrls;
const quiet = { stdout() {}, stderr() {}, stderrIsTty: false, stdoutIsTty: false };

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

const slash = (fields: Record<string, string>) =>
  fetch(`${sandbox.env.SLACK_API_URL}_sandbox/slash`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ command: '/sre', user_id: 'U0ALICE', channel_name: 'incidents', ...fields }),
  });

describe('serve slack --socket-mode', () => {
  it('409 with no client; then a /sre diagnose over the socket is acknowledged and its report posted', async () => {
    expect((await slash({ text: 'help' })).status).toBe(409);
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const env = {
      ...sandbox.env,
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SLACK_SIGNING_SECRET: undefined,
    };
    const serving = serveSlack(
      { socketMode: true, port: '0', llm: 'offline' },
      { env, output: quiet, logger: silentLogger, stop: stopped },
    );
    try {
      // The client connects on its own (apps.connections.open, then the WebSocket and its hello).
      const deadline = Date.now() + 10_000;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        status = (await slash({ text: 'help' })).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
      const before = sandbox.slackMessages().filter((m) => !m.thread_ts).length;
      const answer = await slash({ text: 'diagnose cart-service', response_url: responses.url('socket') });
      expect(answer.status).toBe(200);
      const ack = (await answer.json()) as { acknowledged: boolean; payload: { text?: string } };
      expect(ack.acknowledged).toBe(true);
      expect(ack.payload.text).toMatch(/cart-service/);
      await eventually(() => sandbox.slackMessages().filter((m) => !m.thread_ts).length === before + 1);
      await eventually(() => /is posted/.test(responses.messages('socket').at(-1)?.text ?? ''));
    } finally {
      stop();
      expect(await serving).toBe(0);
    }
  }, 60_000);

  it('refuses to start without an app-level token', async () => {
    await expect(
      serveSlack(
        { socketMode: true, port: '0' },
        {
          env: { ...sandbox.env, SLACK_APP_TOKEN: 'xoxb-not-an-app-token' },
          output: quiet,
          logger: silentLogger,
          stop: Promise.resolve(),
        },
      ),
    ).rejects.toThrow(/SLACK_APP_TOKEN/);
  });
});
