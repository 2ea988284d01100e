import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report, SandboxSlackMessage } from '../src/report/schema.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { sandboxKubeconfig, startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { runCliInProcess } from './helpers/cli-in-process.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from './helpers/fault-proxy.js';

/**
 * Fault injection: `sre-agent diagnose` (its command line run in this process, the bundled servers
 * in-process: the faults are in the APIs behind them, not at the process boundary), against the cart scenario's local
 * APIs with a fault-injecting proxy in front of each (Kubernetes, GitHub, Slack). Each case
 * asserts what a user sees: the report, the messages Slack received, and the exit code.
 */
const CART = path.resolve('scenarios/cart-service-loafers');
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/community/${name}`, import.meta.url));

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox(await loadScenario(CART));
});
afterAll(() => sandbox.close());

interface Faults {
  kubernetes?: FaultRule[];
  github?: FaultRule[];
  slack?: FaultRule[];
}

interface Run {
  code: number | null;
  stderr: string;
  report: Report;
  /** Every message the local Slack received during the run, thread replies included. */
  messages: SandboxSlackMessage[];
  /** Top-level posts only: one report is one of these. */
  posts: SandboxSlackMessage[];
  seen: Record<keyof Faults, string[]>;
}

async function diagnose(faults: Faults, args: string[] = [], env: Record<string, string> = {}): Promise<Run> {
  const origin = (url: string) => new URL(url).origin;
  const proxies: Record<keyof Faults, FaultProxy> = {
    kubernetes: await startFaultProxy(sandbox.urls.kubernetes, faults.kubernetes ?? []),
    github: await startFaultProxy(sandbox.urls.github, faults.github ?? []),
    slack: await startFaultProxy(origin(sandbox.urls.slack), faults.slack ?? []),
  };
  try {
    const dir = await mkdtemp(path.join(tmpdir(), 'faults-'));
    const kubeconfig = path.join(dir, 'kubeconfig.yaml');
    await writeFile(kubeconfig, sandboxKubeconfig(proxies.kubernetes.url, 'default'), { mode: 0o600 });
    const before = sandbox.slackMessages().length;
    const { code, stdout, stderr } = await runCliInProcess(
      ['diagnose', '--service', 'cart-service', '--output', 'json', ...args],
      {
        ...sandbox.env,
        KUBECONFIG: kubeconfig,
        GITHUB_API_URL: proxies.github.url,
        SLACK_API_URL: `${proxies.slack.url}/api/`,
        // A short client timeout keeps "slower than the client timeout" quick to test.
        SRE_AGENT_SLACK_TIMEOUT: '1s',
        ...env,
      },
    );
    const messages = sandbox.slackMessages().slice(before);
    return {
      code,
      stderr,
      report: JSON.parse(stdout) as Report,
      messages,
      posts: messages.filter((m) => !m.thread_ts),
      seen: {
        kubernetes: proxies.kubernetes.seen.map((s) => s.request),
        github: proxies.github.seen.map((s) => s.request),
        slack: proxies.slack.seen.map((s) => s.request),
      },
    };
  } finally {
    await Promise.all(Object.values(proxies).map((p) => p.close()));
  }
}

const POD_LOGS = /^GET \/api\/v1\/namespaces\/default\/pods\/[^/]+\/log$/;
const POD_LIST = /^GET \/api\/v1\/namespaces\/default\/pods$/;
const ANY_REPO_READ = /^GET \/repos\//;
const POST = /^POST \/api\/chat\.postMessage$/;
const status500 = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'etcdserver: request timed out',
  reason: 'InternalError',
  code: 500,
};

describe('fault injection: the Kubernetes API', () => {
  it('pod logs answering 500: not healthy, degraded, the unread logs named, one post, exit 0', async () => {
    const run = await diagnose({
      kubernetes: [{ match: POD_LOGS, fault: { kind: 'respond', status: 500, body: status500 } }],
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.report.status).not.toBe('healthy');
    expect(run.report.degraded).toBe(true);
    expect(run.report.gaps).toContainEqual({
      what: expect.stringMatching(/^(previous )?logs of pod cartservice-/),
      why: expect.stringMatching(/Kubernetes API answered 500: etcdserver: request timed out/),
    });
    expect(run.report.degradedReasons.join('\n')).toMatch(
      /could not read .*logs of pod cartservice-.*Kubernetes API answered 500/,
    );
    expect(run.posts).toHaveLength(1);
    expect(JSON.stringify(run.posts[0]?.blocks)).toMatch(/Not checked/);
    expect(run.report.slack).toMatchObject({ posted: true, ts: run.posts[0]?.ts });
  });

  it('listing pods hangs: the deadline ends the run, the partial report is posted, exit 3', async () => {
    const run = await diagnose({ kubernetes: [{ match: POD_LIST, fault: { kind: 'hang' } }] }, [
      '--timeout',
      '10s',
    ]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.report.status).toBe('timed_out');
    expect(run.report.degraded).toBe(true);
    expect(run.report.degradedReasons.join('\n')).toMatch(/deadline of 10s hit/);
    expect(run.report.gaps).toContainEqual({
      what: 'the pods of cart-service',
      why: expect.stringMatching(/no answer before the run ended/),
    });
    expect(run.posts).toHaveLength(1);
    expect(run.report.slack.posted).toBe(true);
  });
});

describe('fault injection: the GitHub API', () => {
  it('rate limit (403, x-ratelimit-remaining 0): degraded, the code reads named as gaps, exit 0', async () => {
    const run = await diagnose({
      github: [
        {
          match: ANY_REPO_READ,
          fault: {
            kind: 'respond',
            status: 403,
            headers: {
              'x-ratelimit-remaining': '0',
              'x-ratelimit-limit': '5000',
              'x-ratelimit-reset': '1795000000',
            },
            body: {
              message: 'API rate limit exceeded for installation ID 1.',
              documentation_url: 'https://docs.github.com/rest',
            },
          },
        },
      ],
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.report.degraded).toBe(true);
    expect(
      run.report.gaps.some((g) => /GitHub rate limit exceeded \(403\); it resets at 2026-/.test(g.why)),
    ).toBe(true);
    expect(run.report.degradedReasons.join('\n')).toMatch(/GitHub rate limit exceeded/);
    // The cluster's evidence still carries the diagnosis; one post says what could not be read.
    expect(run.report.rootCause.statement).toMatch(/RedisCartStore|loafers/i);
    expect(run.posts).toHaveLength(1);
  });

  it('404 for the repository (a token that cannot see it): degraded, gap names the repository', async () => {
    const run = await diagnose({
      github: [
        { match: ANY_REPO_READ, fault: { kind: 'respond', status: 404, body: { message: 'Not Found' } } },
      ],
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.report.degraded).toBe(true);
    expect(run.report.gaps.some((g) => /it does not exist, or the token cannot see it/.test(g.why))).toBe(
      true,
    );
    expect(run.posts).toHaveLength(1);
  });
});

describe('fault injection: the Slack API', () => {
  it('an answer slower than the client timeout: one message, posted: true, found in the history', async () => {
    const run = await diagnose({ slack: [{ match: POST, fault: { kind: 'slow', ms: 2_500 }, times: 1 }] });
    expect(run.code, run.stderr).toBe(0);
    expect(run.posts).toHaveLength(1);
    expect(run.report.slack).toMatchObject({ posted: true, ts: run.posts[0]?.ts, attempts: 1 });
    expect(run.report.slack.notes?.join(' ')).toMatch(/found the post in the channel history/);
  });

  it('a 429 with Retry-After: 2, once: one message, posted: true, after waiting', async () => {
    const run = await diagnose({
      slack: [
        {
          match: POST,
          fault: {
            kind: 'respond',
            status: 429,
            headers: { 'retry-after': '2' },
            body: { ok: false, error: 'ratelimited' },
          },
          times: 1,
        },
      ],
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.posts).toHaveLength(1);
    expect(run.report.slack).toMatchObject({
      posted: true,
      attempts: 2,
      notes: ['rate-limited; waited 2s as Retry-After asked'],
    });
  });

  it('{ok: false, error: channel_not_found}: no message, posted: false with the code, the report still printed, exit 0', async () => {
    const run = await diagnose({
      slack: [{ match: POST, fault: { kind: 'slack-error', error: 'channel_not_found' } }],
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.messages).toHaveLength(0);
    expect(run.report.slack).toMatchObject({
      posted: false,
      error: expect.stringMatching(/channel_not_found/),
    });
    expect(run.report.rootCause.statement).toContain('RedisCartStore');
    expect(run.stderr).toMatch(/not posted to Slack/);
    expect(run.seen.slack.filter((r) => POST.test(r))).toHaveLength(1);
  });

  it('a post that hangs every time: no message, posted: false, never a blind second post', async () => {
    const run = await diagnose({ slack: [{ match: POST, fault: { kind: 'hang' } }] });
    expect(run.code, run.stderr).toBe(0);
    expect(run.messages).toHaveLength(0);
    expect(run.report.slack.posted).toBe(false);
    // Each new try came only after the history showed the post was not there.
    const calls = run.seen.slack.filter((r) => /chat\.postMessage|conversations\.history/.test(r));
    for (const [i, call] of calls.entries())
      if (i > 0 && POST.test(call)) expect(calls[i - 1]).toMatch(/conversations\.history/);
  });

  it('a 500 on the first post: the history is checked, the post is sent once more, one message', async () => {
    const run = await diagnose({
      slack: [{ match: POST, fault: { kind: 'respond', status: 500, body: 'oops' }, times: 1 }],
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.posts).toHaveLength(1);
    expect(run.report.slack).toMatchObject({ posted: true, attempts: 2 });
  });
});

describe('fault injection: an MCP server', () => {
  async function withServer(name: string): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'faulty-server-'));
    const file = path.join(dir, 'sre-agent.json');
    await writeFile(
      file,
      JSON.stringify({
        mcpServers: {
          kubernetes: {
            command: process.execPath,
            args: [fixture(name)],
            tools: ['list_pods', 'get_pod_logs', 'list_events'],
          },
        },
      }),
    );
    return file;
  }

  it('that crashes mid-run: degraded, the reads it took with it are gaps, one post, exit 0', async () => {
    const run = await diagnose({}, ['--config', await withServer('crashing-kubernetes-server.mjs')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report.status).not.toBe('healthy');
    expect(run.report.degraded).toBe(true);
    expect(run.report.gaps.some((g) => /logs of pod cart-service-7d9f8b6c4-x2k9p/.test(g.what))).toBe(true);
    expect(run.posts).toHaveLength(1);
  });

  it('that hangs: the deadline ends the run, the unanswered read is a gap, exit 3', async () => {
    const run = await diagnose({}, [
      '--config',
      await withServer('hanging-kubernetes-server.mjs'),
      '--timeout',
      '10s',
    ]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.report.status).toBe('timed_out');
    expect(run.report.gaps).toContainEqual({
      what: expect.stringMatching(/logs of pod cart-service-7d9f8b6c4-x2k9p/),
      why: expect.stringMatching(/no answer before the run ended/),
    });
    expect(run.posts).toHaveLength(1);
  });
});
