import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { BIN, runCli } from './helpers/cli.js';
import { eventually, postCommand, startResponseUrls, type ResponseUrls } from './helpers/slack-command.js';

// `sre-agent serve slack` as a person runs it, in the environment `sandbox start` prints.
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

describe('sre-agent serve slack', () => {
  it('serves the slash command: 200 within 3 s, the report in the channel after, a clean stop on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--', BIN, 'serve', 'slack', '--port', '0', '--concurrency', '1'],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...sandbox.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const url = await eventually(
        () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1],
        20_000,
      );
      const ack = await postCommand(
        `${url}/slack/commands`,
        { text: 'diagnose cart-service', response_url: responses.url('cli') },
        { secret: sandbox.env.SLACK_SIGNING_SECRET },
      );
      expect(ack.status).toBe(200);
      expect(ack.ms).toBeLessThan(3_000);
      const post = await eventually(() => sandbox.slackMessages().find((m) => !m.thread_ts));
      expect(post.channel).toBe(sandbox.env.SLACK_CHANNEL_ID);
      expect(post.text.toLowerCase()).toContain('loafers');
      await eventually(() => responses.messages('cli').find((m) => m.text.includes('open it')));
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain('stopping: no new commands');
  });

  it('exits 2 without a signing secret, and names --job-image for a Job dispatch without one', async () => {
    const noSecret = await runCli(['serve', 'slack', '--port', '0'], { SLACK_CHANNEL_ID: 'C1' });
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('SLACK_SIGNING_SECRET');
    const noImage = await runCli(['serve', 'slack', '--port', '0', '--dispatch', 'kubernetes-job'], {
      SLACK_SIGNING_SECRET: 's',
      KUBECONFIG: sandbox.kubeconfigPath,
    });
    expect(noImage.code).toBe(2);
    expect(noImage.stderr).toContain('--job-image');
  });
});
