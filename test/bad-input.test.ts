import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeEvent } from '../src/incident/normalize-event.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { startSlackCommandServer, type SlackCommandServer } from '../src/slack-command/server.js';
import { silentLogger } from '../src/util/log.js';
import { BIN, runCli } from './helpers/cli.js';
import { eventually, postCommand, startResponseUrls, type ResponseUrls } from './helpers/slack-command.js';

// Bad input, as a user (or a stranger) would send it: each is refused plainly, nothing is posted,
// and nothing is held open or blown up.
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

describe('--timeout', () => {
  it.each([
    ['0', /--timeout: the duration must be positive/],
    ['5s', /--timeout: '5s' is out of range; use a duration between 10s and 1h/],
    ['2h', /--timeout: '2h' is out of range; use a duration between 10s and 1h/],
    ['99999999999h', /--timeout: '99999999999h' is out of range/],
    ['soon', /--timeout: 'soon' is not a duration/],
  ])('--timeout %s is a usage error (exit 2), and nothing is posted', async (value, message) => {
    const before = sandbox.slackMessages().length;
    const { code, stdout, stderr } = await runCli(
      ['diagnose', '--service', 'cart-service', '--timeout', value],
      { ...sandbox.env },
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(sandbox.slackMessages()).toHaveLength(before);
  });
});

describe('a Logs subscription payload', () => {
  it('that would inflate past the limit is refused unread, quickly', () => {
    // About 300 MB of zeros gzips to about 300 KB: the shape of the payload that killed the process.
    const bomb = gzipSync(Buffer.alloc(300 * 1024 * 1024)).toString('base64');
    const started = Date.now();
    const out = normalizeEvent({ awslogs: { data: bomb } }, { now: new Date('2026-11-20T14:30:00Z') });
    expect(out).toMatchObject({
      kind: 'malformed',
      ignored: expect.stringMatching(/larger than a Logs batch can be/),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('serve slack', () => {
  let server: SlackCommandServer;
  beforeAll(async () => {
    server = await startSlackCommandServer(
      {
        signingSecret: 'secret',
        dispatcher: { kind: 'in-process', run: () => Promise.resolve({ state: 'done' }) } as never,
        validate: (service, namespace) => Promise.resolve({ service, namespace: namespace ?? 'default' }),
        concurrency: 1,
        queueLimit: 1,
        cooldownMs: 60_000,
        channel: 'C1',
        logger: silentLogger,
        requestTimeoutMs: 1_000,
      },
      { port: 0, host: '127.0.0.1' },
    );
  });
  afterAll(() => server.close());

  it('cuts off a client that trickles its body, instead of holding the connection', async () => {
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(server.port, '127.0.0.1');
      let received = '';
      socket.on('data', (c: Buffer) => (received += c.toString('utf8')));
      socket.on('close', () => resolve(received));
      socket.on('error', () => resolve(received));
      socket.write(
        'POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n',
      );
      const drip = setInterval(() => socket.write('a'), 200);
      socket.on('close', () => clearInterval(drip));
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses a declared body over the cap at once', async () => {
    const response = await fetch(`${server.url}/slack/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a'.repeat(100 * 1024),
    });
    expect(response.status).toBe(413);
  });
});

describe('/sre diagnose <a name that is no service>', () => {
  it('answers only the person who asked, with close matches, and posts nothing to the channel', async () => {
    const child = spawn(process.execPath, ['--', BIN, 'serve', 'slack', '--port', '0'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...sandbox.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const url = await eventually(
        () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1],
        20_000,
      );
      const before = sandbox.slackMessages().length;
      const ack = await postCommand(
        `${url}/slack/commands`,
        { text: 'diagnose carts', response_url: responses.url('unknown') },
        { secret: sandbox.env.SLACK_SIGNING_SECRET },
      );
      expect(ack.status).toBe(200);
      expect(ack.json?.response_type).toBe('ephemeral');
      // The cluster is asked after the acknowledgement (issue 14: an ack waits on nothing); the
      // answer comes on response_url, which only the person who asked sees.
      const refusal = await eventually(() =>
        responses.messages('unknown').find((m) => m.text.includes('no workload or Service')),
      );
      expect(refusal.response_type).toBe('ephemeral');
      expect(refusal.text).toMatch(
        /no workload or Service named 'carts' in namespace 'default'; did you mean `cartservice`/,
      );
      expect(refusal.text).toMatch(/Nothing was posted/);
      // Refused is final: the worker has ended without a diagnosis, so nothing can post later.
      await eventually(() => / in worker pid (\d+)/.exec(stderr));
      const pid = Number(/ in worker pid (\d+)/.exec(stderr)?.[1]);
      await eventually(() => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      });
      expect(sandbox.slackMessages()).toHaveLength(before);
      expect(responses.messages('unknown')).toHaveLength(1);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
