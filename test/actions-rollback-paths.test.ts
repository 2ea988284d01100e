import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newProposalId, signRollbackToken, verifyRollbackToken } from '../src/actions/action-token.js';
import { actionClients } from '../src/actions/kube-clients.js';
import { proposeRollback } from '../src/actions/propose-rollback.js';
import { loadActionSettings } from '../src/config/actions.js';
import { loadSettings } from '../src/config/load.js';
import { writeToolReason } from '../src/guards/withhold-write-tools.js';
import type { Report } from '../src/report/schema.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { main } from '../src/triggers/cli.js';
import { diagnoseOnce } from '../src/triggers/diagnose-session.js';
import { serveSlack } from '../src/triggers/serve-slack.js';
import { signSlackRequest } from '../src/slack-command/signature.js';
import { silentLogger } from '../src/util/log.js';
import { until } from './helpers/rollback-clicks.js';

const SCENARIO = join(import.meta.dirname, '..', 'scenarios', 'frontend-imagepull-after-rollout');
const quiet = { stdout() {}, stderr() {}, stderrIsTty: false, stdoutIsTty: false };

let sandbox: Sandbox;
let workDir: string;
beforeEach(async () => {
  sandbox = await startSandbox(await loadScenario(SCENARIO));
  workDir = await mkdtemp(join(tmpdir(), 'sre-agent-actions-'));
});
afterEach(async () => {
  await sandbox.close();
  await rm(workDir, { recursive: true, force: true });
});

const writes = async () =>
  (await (await fetch(`${sandbox.urls.kubernetes}/_sandbox/writes`)).json()) as {
    writes: Array<{ images: string[] }>;
    dryRuns: unknown[];
  };

const hasButton = (blocks: unknown) =>
  Array.isArray(blocks) && blocks.some((b) => (b as { type?: string }).type === 'actions');

describe('the rollback proposal in a diagnosis', () => {
  it('with actions off (the default) proposes in the report but the post has no button; on without approvers neither', async () => {
    const runWith = async (extra: Record<string, string>) => {
      const { report } = await diagnoseOnce(
        { service: 'frontend', llm: 'offline' },
        {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, ...extra },
          logger: silentLogger,
          scenario: sandbox.scenario,
        },
      );
      return report;
    };
    const off = await runWith({});
    expect(off.proposedAction).toEqual({
      kind: 'rollback',
      namespace: 'default',
      deployment: 'frontend',
      fromRevision: 15,
      toRevision: 14,
      image: 'ghcr.io/fuzzylabs/microservices-demo/frontend:0.10.3',
    });
    expect(off.sandbox?.slackMessages.length).toBeGreaterThan(0);
    expect(off.sandbox?.slackMessages.some((m) => hasButton(m.blocks))).toBe(false);
    const noApprovers = await runWith({ SRE_AGENT_ACTIONS: 'rollback' });
    expect(noApprovers.sandbox?.slackMessages.some((m) => hasButton(m.blocks))).toBe(false);
    const on = await runWith({ SRE_AGENT_ACTIONS: 'rollback', SRE_AGENT_APPROVERS: 'U0ALICE' });
    expect(on.sandbox?.slackMessages.filter((m) => hasButton(m.blocks))).toHaveLength(1);
  }, 60_000);

  it('proposes nothing for an incident that did not come with a rollout, or is not diagnosed', async () => {
    const env = { ...sandbox.env };
    const settings = await loadSettings({ service: 'frontend' }, env);
    const deps = {
      ...actionClients(env),
      namespaces: ['default'],
      actions: settings.actions,
      clock: () => new Date(),
    };
    const base: Report = {
      service: 'cartservice',
      namespace: 'default',
      status: 'diagnosed',
      summary: 'cartservice cannot reach redis',
      rootCause: { statement: 'redis is down', confidence: 'high' },
      evidence: [],
      suspectFiles: [],
      suspectCommits: [],
      suggestedFix: 'restart redis',
      engine: 'offline',
      degraded: false,
      degradedReasons: [],
      gaps: [],
      slack: { posted: false, channel: null, ts: null },
      usage: {
        turns: 0,
        toolCalls: 0,
        inputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 0,
        costUsd: 0,
      },
      durationMs: 0,
    };
    // cartservice has one revision's pods, all running: nothing to attribute to a rollout.
    expect(await proposeRollback(deps, base)).toBeUndefined();
    expect(await proposeRollback(deps, { ...base, service: 'frontend', status: 'healthy' })).toBeUndefined();
    expect(
      await proposeRollback(deps, { ...base, service: 'frontend', namespace: 'kube-system' }),
    ).toBeUndefined();
    expect((await proposeRollback(deps, { ...base, service: 'frontend' }))?.action.toRevision).toBe(14);
  });
});

describe('the rollback click over Socket Mode', () => {
  it('is acknowledged, checked and taken once, like the HTTP click', async () => {
    const env = {
      ...sandbox.env,
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SLACK_SIGNING_SECRET: undefined,
      SRE_AGENT_ACTION_KEY: 'k'.repeat(40),
      SRE_AGENT_ACTIONS: 'rollback',
      SRE_AGENT_APPROVERS: 'U0ALICE',
      SRE_AGENT_DEDUPE: 'memory',
    };
    const settings = await loadSettings({ service: 'frontend' }, env);
    const proposal = await proposeRollback(
      { ...actionClients(env), namespaces: ['default'], actions: settings.actions, clock: () => new Date() },
      {
        ...({} as Report),
        service: 'frontend',
        namespace: 'default',
        status: 'diagnosed',
        summary: '',
        rootCause: { statement: '', confidence: 'high' },
        evidence: [],
        suggestedFix: '',
      },
    );
    const button = proposal?.button;
    expect(button?.actionId).toBe('sre_agent_rollback');
    // The report as the agent would post it, with the button.
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: 'frontend: image not found' } },
      {
        type: 'actions',
        block_id: 'sre_agent_action',
        elements: [
          {
            type: 'button',
            action_id: button?.actionId,
            text: { type: 'plain_text', text: button?.label },
            value: button?.value,
          },
        ],
      },
    ];
    const posted = (await (
      await fetch(`${sandbox.env.SLACK_API_URL}chat.postMessage`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${sandbox.env.SLACK_BOT_TOKEN}`,
        },
        body: JSON.stringify({ channel: sandbox.env.SLACK_CHANNEL_ID, text: 'frontend report', blocks }),
      })
    ).json()) as { ts: string };
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const serving = serveSlack(
      { socketMode: true, port: '0', llm: 'offline' },
      {
        env,
        output: quiet,
        logger: silentLogger,
        stop: stopped,
        follow: { timeoutMs: 2_000, intervalMs: 50 },
      },
    );
    const payload = (user: string) => ({
      type: 'block_actions',
      user: { id: user },
      channel: { id: sandbox.env.SLACK_CHANNEL_ID },
      container: { type: 'message', message_ts: posted.ts, channel_id: sandbox.env.SLACK_CHANNEL_ID },
      message: { ts: posted.ts, text: 'frontend report', blocks },
      actions: [
        {
          type: 'button',
          action_id: 'sre_agent_rollback',
          block_id: 'sre_agent_action',
          value: button?.value,
        },
      ],
    });
    const deliver = (user: string) =>
      fetch(`${sandbox.env.SLACK_API_URL}_sandbox/interactive`, {
        method: 'POST',
        body: JSON.stringify(payload(user)),
      });
    try {
      const first = await until(async () => {
        const answer = await deliver('U0BOB');
        return answer.status === 200 ? answer : undefined;
      });
      expect(((await first.json()) as { acknowledged: boolean }).acknowledged).toBe(true);
      const ephemerals = async () =>
        (
          (await (await fetch(`${sandbox.env.SLACK_API_URL}_sandbox/ephemerals`)).json()) as {
            ephemerals: Array<{ user: string; text: string }>;
          }
        ).ephemerals;
      await until(async () =>
        (await ephemerals()).find((e) => e.user === 'U0BOB' && /approvers/.test(e.text)),
      );
      expect((await writes()).writes).toHaveLength(0);
      expect((await deliver('U0ALICE')).status).toBe(200);
      await until(() =>
        sandbox
          .slackMessages()
          .find((m) => m.thread_ts === posted.ts && /approved by <@U0ALICE>/.test(m.text)),
      );
      expect((await writes()).writes).toHaveLength(1);
      expect((await deliver('U0ALICE')).status).toBe(200);
      await until(async () =>
        (await ephemerals()).find((e) => /already rolled back by <@U0ALICE>/.test(e.text)),
      );
      expect((await writes()).writes).toHaveLength(1);
    } finally {
      stop();
      expect(await serving).toBe(0);
    }
  }, 60_000);
});

describe('a click with actions off', () => {
  it('is refused with an ephemeral reply, and nothing is written', async () => {
    const env = {
      ...sandbox.env,
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SRE_AGENT_DEDUPE: 'memory',
    };
    const key = loadActionSettings(undefined, env, {}).tokenKey as Buffer;
    const token = signRollbackToken(key, {
      kind: 'rollback',
      id: newProposalId(),
      namespace: 'default',
      deployment: 'frontend',
      fromRevision: 15,
      toRevision: 14,
      resourceVersion: '48314962',
      expiresAt: Date.now() + 60_000,
    });
    const lines: string[] = [];
    const keep = (msg: string) => void lines.push(msg);
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const serving = serveSlack(
      { port: '0', llm: 'offline' },
      { env, output: quiet, logger: { debug() {}, info: keep, warn: keep, error: keep }, stop: stopped },
    );
    try {
      const listening = await until(() => lines.find((l) => /listening on /.test(l)));
      const endpoint = (/listening on (http:\/\/[^/]+)/.exec(listening) ?? [])[1] as string;
      const body = new URLSearchParams({
        payload: JSON.stringify({
          type: 'block_actions',
          user: { id: 'U0ALICE' },
          channel: { id: sandbox.env.SLACK_CHANNEL_ID },
          message: { ts: '1797328200.000100', text: 'report' },
          actions: [{ type: 'button', action_id: 'sre_agent_rollback', value: token }],
        }),
      }).toString();
      const timestamp = String(Math.floor(Date.now() / 1000));
      const answer = await fetch(`${endpoint}/slack/actions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': signSlackRequest(sandbox.env.SLACK_SIGNING_SECRET, timestamp, body),
        },
        body,
      });
      expect(answer.status).toBe(200);
      const ephemerals = async () =>
        (
          (await (await fetch(`${sandbox.env.SLACK_API_URL}_sandbox/ephemerals`)).json()) as {
            ephemerals: Array<{ text: string }>;
          }
        ).ephemerals;
      await until(async () => (await ephemerals()).find((e) => /actions are turned off/.test(e.text)));
      expect(await writes()).toEqual({ writes: [], dryRuns: [] });
    } finally {
      stop();
      expect(await serving).toBe(0);
    }
  }, 30_000);
});

describe('sre-agent rollback (the terminal path)', () => {
  it('writes nothing with actions off or without --yes, dry-runs on --dry-run, and rolls back once with both', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const output = {
      stdout: (t: string) => void lines.push(t),
      stderr: (t: string) => void errors.push(t),
      stderrIsTty: false,
      stdoutIsTty: false,
    };
    const audit = join(workDir, 'audit.jsonl');
    const run = async (args: string[], extra: Record<string, string> = {}) => {
      const saved = { ...process.env };
      Object.assign(process.env, sandbox.env, extra);
      try {
        return await main(
          ['node', 'sre-agent', 'rollback', '--deployment', 'frontend', '--audit-log', audit, ...args],
          output,
        );
      } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
      }
    };
    expect(await run(['--yes'])).toBe(2);
    expect(errors.at(-1)).toMatch(/SRE_AGENT_ACTIONS=rollback/);
    expect(await run(['--dry-run'])).toBe(0);
    expect(lines.join('\n')).toMatch(/Roll back deployment default\/frontend to revision 14/);
    expect(await writes()).toMatchObject({ writes: [], dryRuns: [{}] });
    const on = { SRE_AGENT_ACTIONS: 'rollback' };
    expect(await run([], on)).toBe(2);
    expect(errors.at(-1)).toMatch(/add --yes/);
    expect((await writes()).writes).toHaveLength(0);
    expect(await run(['--namespace', 'kube-system', '--yes'], on)).toBe(2);
    expect(await run(['--to-revision', '99', '--yes'], on)).toBe(2);
    expect(errors.at(-1)).toMatch(/no ReplicaSet for revision 99/);
    expect(await run(['--yes'], on)).toBe(0);
    expect(lines.at(-1)).toMatch(/Rolled back frontend to revision 14 at \d\d:\d\d UTC/);
    expect((await writes()).writes).toEqual([
      expect.objectContaining({ images: ['ghcr.io/fuzzylabs/microservices-demo/frontend:0.10.3'] }),
    ]);
    const entries = (await readFile(audit, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { outcome: string; via: string });
    expect(entries.every((e) => e.via === 'cli')).toBe(true);
    expect(entries.map((e) => e.outcome)).toEqual(
      expect.arrayContaining(['dry_run', 'refused', 'rolled_back']),
    );
  }, 60_000);
});

describe('the write path is never the model’s', () => {
  it('withholds any tool named for a rollback, whatever its annotations say', () => {
    for (const name of [
      'rollback_deployment',
      'sre_agent_rollback',
      'deployments_rollout_undo',
      'patch_deployment',
    ])
      expect(writeToolReason({ name, annotations: { readOnlyHint: true } }), name).not.toBeNull();
  });

  it('keeps the write path out of the bundled servers, the engines and the MCP host', async () => {
    const root = join(import.meta.dirname, '..', 'src');
    for (const dir of ['servers', 'llm', 'mcp', 'agent']) {
      const files = await readdir(join(root, dir), { recursive: true });
      for (const file of files.filter((f) => f.endsWith('.ts'))) {
        const text = await readFile(join(root, dir, file), 'utf8');
        expect(text, `${dir}/${file}`).not.toMatch(
          /from '[./]*actions\/(rollback|approve-rollback|slack-approval|kube-clients)\.js'/,
        );
        expect(text, `${dir}/${file}`).not.toMatch(/patchNamespacedDeployment|replaceNamespacedDeployment/);
      }
    }
  });

  it('signs tokens that name their proposal, and refuses them changed, expired or under another key', () => {
    const key = loadActionSettings(undefined, { SLACK_SIGNING_SECRET: 'secret' }, {}).tokenKey as Buffer;
    const claim = {
      kind: 'rollback' as const,
      id: newProposalId(),
      namespace: 'default',
      deployment: 'frontend',
      fromRevision: 15,
      toRevision: 14,
      resourceVersion: '48314962',
      expiresAt: Date.parse('2026-12-02T12:30:00Z'),
    };
    const token = signRollbackToken(key, claim);
    expect(verifyRollbackToken(key, token, new Date('2026-12-02T12:00:00Z'))).toEqual({ ok: true, claim });
    expect(verifyRollbackToken(key, token, new Date('2026-12-02T12:31:00Z'))).toEqual({
      ok: false,
      problem: 'expired',
    });
    const other = loadActionSettings(undefined, { SRE_AGENT_ACTION_KEY: 'x'.repeat(32) }, {})
      .tokenKey as Buffer;
    expect(verifyRollbackToken(other, token, new Date('2026-12-02T12:00:00Z'))).toEqual({
      ok: false,
      problem: 'forged',
    });
    expect(verifyRollbackToken(key, 'garbage', new Date())).toEqual({ ok: false, problem: 'malformed' });
    // The key derived from the signing secret is not the secret itself.
    expect(key.equals(Buffer.from('secret'))).toBe(false);
  });

  it('turns actions on only when asked, and refuses unknown kinds and malformed approvers', () => {
    expect(loadActionSettings(undefined, {}, {}).enabled).toEqual([]);
    expect(loadActionSettings('rollback', {}, {}).enabled).toEqual(['rollback']);
    expect(
      loadActionSettings(undefined, {}, { actions: ['rollback'], approvers: ['U0ALICE'] }),
    ).toMatchObject({
      enabled: ['rollback'],
      approvers: ['U0ALICE'],
    });
    expect(() => loadActionSettings(undefined, { SRE_AGENT_ACTIONS: 'delete' }, {})).toThrow(
      /SRE_AGENT_ACTIONS: 'delete'/,
    );
    expect(() => loadActionSettings(undefined, { SRE_AGENT_APPROVERS: 'alice' }, {})).toThrow(
      /SRE_AGENT_APPROVERS/,
    );
    expect(() => loadActionSettings(undefined, { SRE_AGENT_ACTION_KEY: 'short' }, {})).toThrow(
      /SRE_AGENT_ACTION_KEY/,
    );
  });
});
