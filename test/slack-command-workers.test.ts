import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { createChildProcessDispatcher } from '../src/slack-command/dispatch-child-process.js';
import type { ResponseMessage } from '../src/slack-command/response-url.js';
import { PACKAGE_ROOT } from '../src/triggers/paths.js';
import { silentLogger } from '../src/util/log.js';
import { BIN } from './helpers/cli.js';
import { eventually, postCommand, startResponseUrls, type ResponseUrls } from './helpers/slack-command.js';

// Issue 14 point 4: `serve slack` runs each diagnosis in a child process (the default dispatch).
// What is checked is what a requester and an operator see: the replies, the channel, the log, the
// process table.
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

const channelPosts = () => sandbox.slackMessages().filter((m) => !m.thread_ts);

/**
 * A GitHub API that holds every request open until told to answer: a diagnosis that reached it is
 * provably mid-way. Released, it answers as GitHub does when it is down (503, JSON message).
 */
async function stallingGitHub() {
  const held: ServerResponse[] = [];
  let released = false;
  const answer = (res: ServerResponse) =>
    res
      .writeHead(503, { 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify({ message: 'Service Unavailable' }));
  const server = createServer((req: IncomingMessage, res) => {
    req.resume();
    if (released) answer(res);
    else held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => held.length,
    release: () => {
      released = true;
      for (const res of held.splice(0)) answer(res);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function serve(args: string[], env: Record<string, string | undefined>) {
  const child = spawn(
    process.execPath,
    ['--', BIN, 'serve', 'slack', '--port', '0', '--llm', 'offline', ...args],
    {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...sandbox.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    exited,
    stderr: () => stderr,
    endpoint: () =>
      eventually(() => /listening on (http:\/\/127\.0\.0\.1:\d+\/slack\/commands)/.exec(stderr)?.[1], 20_000),
    /** The worker's pid, from the line the server logs when it forks one. */
    workerPid: (service: string) =>
      eventually(() => {
        const m = new RegExp(`diagnosing ${service} in worker pid (\\d+)`).exec(stderr);
        return m ? Number(m[1]) : undefined;
      }),
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('serve slack: diagnoses in child processes', () => {
  it('a worker killed mid-diagnosis gets its requester one error reply, posts nothing, and frees the service', async () => {
    const github = await stallingGitHub();
    const server = serve(['--concurrency', '1'], { GITHUB_API_URL: github.url });
    try {
      const endpoint = await server.endpoint();
      const secret = sandbox.env.SLACK_SIGNING_SECRET;
      const before = channelPosts().length;
      const ack = await postCommand(
        endpoint,
        { text: 'diagnose cart-service', response_url: responses.url('crash') },
        { secret },
      );
      expect(ack.status).toBe(200);
      const pid = await server.workerPid('cart-service');
      await eventually(() => github.requests() > 0);
      process.kill(pid, 'SIGKILL');

      const failed = await eventually(() =>
        responses.messages('crash').find((m) => m.text.startsWith(':x:')),
      );
      expect(failed.text).toContain('*cart-service* failed');
      expect(failed.text).toContain('SIGKILL before posting anything');
      expect(alive(pid)).toBe(false);

      // Asked again, it runs again (the crash held no cooldown) and, GitHub answering now, posts once.
      github.release();
      const again = await postCommand(
        endpoint,
        { text: 'diagnose cart-service', response_url: responses.url('crash-again') },
        { secret },
      );
      expect(again.json?.text).toContain('diagnosing *cart-service*');
      await eventually(() => responses.messages('crash-again').find((m) => m.text.includes('is posted')));
      expect(channelPosts().length).toBe(before + 1);
      // The crashed request was answered once: started, then the one failure; nothing after it.
      expect(responses.messages('crash').map((m) => m.text.slice(0, 3))).toEqual([':ma', ':x:']);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      await github.close();
    }
  }, 60_000);

  it('runs no more than --concurrency diagnoses at once: each starts only after the one before has answered', async () => {
    const server = serve(['--concurrency', '1', '--cooldown', '1s'], {});
    try {
      const endpoint = await server.endpoint();
      const services = ['cart-service', 'frontend', 'redis-cart'];
      const acks = await Promise.all(
        services.map((service) =>
          postCommand(
            endpoint,
            { text: `diagnose ${service}`, response_url: responses.url(`bound-${service}`) },
            { secret: sandbox.env.SLACK_SIGNING_SECRET },
          ),
        ),
      );
      expect(acks.map((a) => a.status)).toEqual([200, 200, 200]);
      await eventually(
        () =>
          services.every((s) =>
            responses.messages(`bound-${s}`).some((m) => m.text.startsWith(':white_check_mark:')),
          ),
        90_000,
      );
      // Across all requesters, in arrival order: a "Started" never comes while another is open.
      let open = 0;
      let most = 0;
      for (const { id, text } of responses.sequence().filter((m) => m.id.startsWith('bound-'))) {
        if (text.startsWith(':mag_right: Started')) open += 1;
        else if (text.startsWith(':white_check_mark:') || text.startsWith(':x:')) open -= 1;
        most = Math.max(most, open);
        expect(open, `after "${text}" for ${id}`).toBeGreaterThanOrEqual(0);
      }
      expect(most).toBe(1);
      // One worker process per diagnosis, and none left behind.
      const pids = [...server.stderr().matchAll(/in worker pid (\d+)/g)].map((m) => Number(m[1]));
      expect(new Set(pids).size).toBe(3);
      // The last one says its final word just before it exits.
      await eventually(() => pids.every((pid) => !alive(pid)), 10_000);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  }, 120_000);

  it('SIGTERM drains; past --drain it cancels what still runs, says so to the requester and in the log, and exits 0', async () => {
    const github = await stallingGitHub();
    const server = serve(['--drain', '1s'], { GITHUB_API_URL: github.url });
    try {
      const endpoint = await server.endpoint();
      const before = channelPosts().length;
      await postCommand(
        endpoint,
        { text: 'diagnose frontend', response_url: responses.url('drain') },
        { secret: sandbox.env.SLACK_SIGNING_SECRET },
      );
      const pid = await server.workerPid('frontend');
      await eventually(() => github.requests() > 0);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.stderr()).toMatch(/draining 1 running and 0 queued diagnoses/);
      expect(server.stderr()).toMatch(/cancelled 1 running diagnoses/);
      const cancelled = await eventually(() =>
        responses.messages('drain').find((m) => m.text.startsWith(':x:')),
      );
      expect(cancelled.text).toContain('cancelled: the server stopped before the diagnosis finished');
      expect(alive(pid)).toBe(false);
      expect(channelPosts().length).toBe(before);
    } finally {
      server.child.kill('SIGKILL');
      await github.close();
    }
  }, 60_000);

  it("claims through the server's dedupe store: a claim already taken elsewhere means no post, and the requester is told", async () => {
    const keys: string[] = [];
    const dispatcher = createChildProcessDispatcher({
      // The built worker (npm run build), as `serve slack` forks it.
      workerModule: join(PACKAGE_ROOT, 'dist', 'bundle', 'diagnosis-worker.js'),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...sandbox.env },
      logger: silentLogger,
      flags: { llm: 'offline' },
      // Another replica (or this server before a restart) posted in this window already.
      claim: (key) => {
        keys.push(key);
        return Promise.resolve(false);
      },
    });
    const before = channelPosts().length;
    const replies: ResponseMessage[] = [];
    const result = await dispatcher.run(
      {
        service: 'redis-cart',
        namespace: 'default',
        requestedBy: 'U0ALICE',
        responseUrl: 'http://127.0.0.1:9/unused',
        dedupeKey: 'slack:default/redis-cart:42',
        text: 'Asked for in Slack with /sre diagnose by U0ALICE.',
      },
      (message) => {
        replies.push(message);
        return Promise.resolve();
      },
    );
    expect(keys).toEqual(['slack:default/redis-cart:42']);
    expect(result.state).toBe('finished');
    expect(replies.at(-1)?.text).toMatch(/already diagnosed a few minutes ago.*not posted again/);
    expect(channelPosts().length).toBe(before);
  }, 60_000);
});
