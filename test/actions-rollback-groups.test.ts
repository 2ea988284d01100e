import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newProposalId, signRollbackToken } from '../src/actions/action-token.js';
import { ApproverGroups } from '../src/actions/approver-groups.js';
import { createApprovalHandler } from '../src/actions/slack-approval.js';
import { loadActionSettings, rollbackOffered } from '../src/config/actions.js';
import { loadSettings } from '../src/config/load.js';
import { createMemoryDedupeStore } from '../src/dedupe/memory-store.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { startSlackApi, type SlackApi } from '../src/sandbox/slack-api.js';
import { serveSlack } from '../src/triggers/serve-slack.js';
import { silentLogger } from '../src/util/log.js';
import { capturingLogger, click as clickWithTiming, clickPayload, until } from './helpers/rollback-clicks.js';
import { postCommand, startResponseUrls, type ResponseUrls } from './helpers/slack-command.js';

const click = async (endpoint: string, payload: unknown, secret: string): Promise<number> =>
  (await clickWithTiming(endpoint, payload, secret)).status;

// Issue 15, "config may name a user group": approvers named by a Slack user group, whose members
// are read from Slack (usergroups.users.list) when the button is clicked, cached for a minute, and
// refused when they cannot be read. Real WebClient calls against the sandbox's Slack.

const SCENARIO = join(import.meta.dirname, '..', 'scenarios', 'frontend-imagepull-after-rollout');
// From the scenario's slack.usergroups: U0CAROL is in @frontend-oncall (S0FRONTEND), U0DAVE is not.
const MEMBER = 'U0CAROL';
const OUTSIDER = 'U0DAVE';
const quiet = { stdout() {}, stderr() {}, stderrIsTty: false, stdoutIsTty: false };

const getJson = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;
const writesOf = (sandbox: Sandbox) =>
  getJson<{ writes: unknown[]; dryRuns: unknown[] }>(`${sandbox.urls.kubernetes}/_sandbox/writes`);
const ephemeralsOf = async (sandbox: Sandbox) =>
  (
    await getJson<{ ephemerals: Array<{ user: string; text: string }> }>(
      `${sandbox.env.SLACK_API_URL}_sandbox/ephemerals`,
    )
  ).ephemerals;
const callsOf = async (sandbox: Sandbox) =>
  (await getJson<{ calls: Record<string, number> }>(`${sandbox.env.SLACK_API_URL}_sandbox/calls`)).calls;

describe('rollback approved by a member of a Slack user group (serve slack, HTTP)', () => {
  let sandbox: Sandbox;
  let responses: ResponseUrls;
  let workDir: string;
  beforeAll(async () => {
    sandbox = await startSandbox(await loadScenario(SCENARIO));
    responses = await startResponseUrls();
    workDir = await mkdtemp(join(tmpdir(), 'sre-agent-groups-'));
  });
  afterAll(async () => {
    await responses.close();
    await sandbox.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('offers the button with only a group configured, refuses a non-member (asking Slack once), and rolls back on a member’s click', async () => {
    const secret = sandbox.env.SLACK_SIGNING_SECRET;
    const auditFile = join(workDir, 'audit.jsonl');
    const env = {
      ...sandbox.env,
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SRE_AGENT_ACTIONS: 'rollback',
      // No SRE_AGENT_APPROVERS: the group alone names who may approve, by its handle.
      SRE_AGENT_APPROVER_GROUPS: '@frontend-oncall',
      SRE_AGENT_DEDUPE: 'memory',
    };
    const lines: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const serving = serveSlack(
      { port: '0', llm: 'offline', auditLog: auditFile },
      {
        env,
        output: quiet,
        logger: capturingLogger(lines),
        stop: stopped,
        follow: { timeoutMs: 5_000, intervalMs: 50 },
      },
    );
    try {
      const listening = await until(async () => lines.find((l) => /listening on /.test(l)));
      const endpoint = (/listening on (http:\/\/[^/]+)/.exec(listening) ?? [])[1] as string;
      await postCommand(
        `${endpoint}/slack/commands`,
        { text: 'diagnose frontend', response_url: responses.url('cmd') },
        { secret },
      );
      const report = await until(async () =>
        sandbox
          .slackMessages()
          .find(
            (m) =>
              !m.thread_ts &&
              (m.blocks as Array<{ type: string }> | undefined)?.some((b) => b.type === 'actions'),
          ),
      );
      const actions = (report.blocks as Array<{ type: string; elements?: Array<{ value?: string }> }>).find(
        (b) => b.type === 'actions',
      );
      const token = actions?.elements?.[0]?.value as string;
      expect(token).toMatch(/^sra1\./);
      const message = { ts: report.ts, text: report.text, blocks: report.blocks as unknown[] };
      const channel = sandbox.env.SLACK_CHANNEL_ID;

      // A user outside the group, twice (a replay): refused each time, Slack asked once.
      for (let i = 0; i < 2; i++) {
        const before = (await ephemeralsOf(sandbox)).length;
        expect(await click(endpoint, clickPayload(OUTSIDER, channel, message, token), secret)).toBe(200);
        const reply = await until(async () => (await ephemeralsOf(sandbox)).slice(before)[0]);
        expect(reply.user).toBe(OUTSIDER);
        expect(reply.text).toMatch(
          /not on the approvers list .*nor in an approver group \(@frontend-oncall\)/,
        );
      }
      expect(await writesOf(sandbox)).toEqual({ writes: [], dryRuns: [] });
      const afterRefusals = await callsOf(sandbox);
      expect(afterRefusals['usergroups.list']).toBe(1);
      expect(afterRefusals['usergroups.users.list']).toBe(1);

      // A member's click: the rollback, once; the membership came from the cache.
      expect(await click(endpoint, clickPayload(MEMBER, channel, message, token), secret)).toBe(200);
      const rolled = await until(async () =>
        sandbox.slackMessages().find((m) => m.thread_ts === report.ts && /Rolled back/.test(m.text)),
      );
      expect(rolled.text).toMatch(
        /Rolled back frontend to revision 14 at \d\d:\d\d UTC, approved by <@U0CAROL>/,
      );
      const state = await writesOf(sandbox);
      expect(state.writes).toHaveLength(1);
      expect(state.dryRuns).toHaveLength(1);
      const afterRollback = await callsOf(sandbox);
      expect(afterRollback['usergroups.list']).toBe(1);
      expect(afterRollback['usergroups.users.list']).toBe(1);
      await until(async () =>
        sandbox.slackMessages().find((m) => m.thread_ts === report.ts && /is complete/.test(m.text)),
      );

      const audit = (await readFile(auditFile, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; outcome?: string; user?: string; reason?: string });
      const refusals = audit.filter((e) => e.type === 'action' && e.outcome === 'refused');
      expect(refusals.map((e) => e.user)).toEqual([OUTSIDER, OUTSIDER]);
      expect(audit.find((e) => e.outcome === 'rolled_back')).toMatchObject({
        user: MEMBER,
        approverGroup: '@frontend-oncall',
      });
    } finally {
      stop();
      expect(await serving).toBe(0);
    }
  }, 180_000);
});

describe('a group whose members cannot be read refuses the click (fail closed)', () => {
  let sandbox: Sandbox | undefined;
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'sre-agent-groups-'));
  });
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  /** The approval handler of `serve slack`, on a sandbox whose bot has `scopes`, for one click. */
  async function clickWith(options: { groups: string; member: string; scopes?: string[] }) {
    sandbox = await startSandbox(await loadScenario(SCENARIO), {
      ...(options.scopes ? { slack: { scopes: options.scopes } } : {}),
    });
    const auditFile = join(workDir, `audit-${newProposalId()}.jsonl`);
    const env = { ...sandbox.env, SRE_AGENT_ACTIONS: 'rollback', SRE_AGENT_APPROVER_GROUPS: options.groups };
    const settings = await loadSettings({ service: 'frontend', auditLog: auditFile }, env);
    const handler = createApprovalHandler(settings, {
      store: createMemoryDedupeStore(),
      logger: silentLogger,
    });
    const token = signRollbackToken(settings.actions.tokenKey as Buffer, {
      kind: 'rollback',
      id: newProposalId(),
      namespace: 'default',
      deployment: 'frontend',
      fromRevision: 15,
      toRevision: 14,
      resourceVersion: '1',
      expiresAt: Date.now() + 60_000,
    });
    const payload = clickPayload(
      options.member,
      sandbox.env.SLACK_CHANNEL_ID,
      { ts: '1.000100', text: 'x' },
      token,
    );
    const first = await handler.handle(payload);
    const second = await handler.handle(payload);
    const audit = (await readFile(auditFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { outcome?: string; reason?: string; user?: string });
    return {
      first,
      second,
      audit,
      ephemerals: await ephemeralsOf(sandbox),
      calls: await callsOf(sandbox),
      writes: await writesOf(sandbox),
    };
  }

  it('refuses a member when the app lacks usergroups:read, names the scope, and asks again on the next click', async () => {
    const seen = await clickWith({
      groups: 'S0FRONTEND',
      member: MEMBER,
      scopes: ['commands', 'chat:write', 'channels:history', 'groups:history'],
    });
    expect(seen.first).toMatchObject({
      outcome: 'refused',
      reason: expect.stringMatching(/usergroups:read/),
    });
    expect(seen.second?.outcome).toBe('refused');
    expect(seen.ephemerals[0]?.user).toBe(MEMBER);
    expect(seen.ephemerals[0]?.text).toMatch(
      /Not rolled back: the approver groups could not be checked: .*usergroups:read/,
    );
    expect(seen.audit[0]).toMatchObject({
      outcome: 'refused',
      user: MEMBER,
      reason: expect.stringMatching(/usergroups:read/),
    });
    // A failure is not cached: fixing the scope takes effect on the next click.
    expect(seen.calls['usergroups.users.list']).toBe(2);
    expect(seen.writes).toEqual({ writes: [], dryRuns: [] });
  });

  it('refuses when the configured group does not exist (no_such_subteam) or no group has the handle', async () => {
    const missingId = await clickWith({ groups: 'S0NOSUCH', member: MEMBER });
    expect(missingId.first).toMatchObject({
      outcome: 'refused',
      reason: expect.stringMatching(/Slack has no user group S0NOSUCH/),
    });
    expect(missingId.writes).toEqual({ writes: [], dryRuns: [] });
    await sandbox?.close();
    const missingHandle = await clickWith({ groups: '@nobody', member: MEMBER });
    expect(missingHandle.first).toMatchObject({
      outcome: 'refused',
      reason: expect.stringMatching(/no enabled Slack user group has the handle @nobody/),
    });
    expect(missingHandle.calls['usergroups.users.list']).toBeUndefined();
  });
});

describe('ApproverGroups (the membership cache)', () => {
  let slack: SlackApi;
  let now: number;
  let client: WebClient;
  beforeAll(async () => {
    slack = await startSlackApi({
      token: 'xoxb-test',
      now: '2026-12-15T09:50:00Z',
      usergroups: [
        { id: 'S0FRONTEND', handle: 'frontend-oncall', users: ['U0CAROL'] },
        { id: 'S0PAYMENTS', handle: 'payments-oncall', users: ['U0DAVE'] },
      ],
    });
    client = new WebClient('xoxb-test', { slackApiUrl: `${slack.url}/api/`, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await slack.close();
  });
  const api = () => ({
    usergroupsList: (args: Record<string, never>) => client.usergroups.list(args),
    usergroupsUsersList: (args: { usergroup: string }) => client.usergroups.users.list(args),
  });
  const calls = () => slack.calls()['usergroups.users.list'] ?? 0;

  it('asks Slack once per group per minute, and shares a lookup already in flight', async () => {
    now = Date.parse('2026-12-15T10:00:00Z');
    const groups = new ApproverGroups(api(), ['S0FRONTEND'], { clock: () => new Date(now) });
    const start = calls();
    const [a, b] = await Promise.all([groups.membership('U0CAROL'), groups.membership('U0DAVE')]);
    expect(a).toEqual({ ok: true, group: 'S0FRONTEND' });
    expect(b).toEqual({ ok: true, group: null });
    expect(calls() - start).toBe(1);
    now += 59_000;
    await groups.membership('U0CAROL');
    expect(calls() - start).toBe(1);
    now += 2_000;
    await groups.membership('U0CAROL');
    expect(calls() - start).toBe(2);
  });

  it('lets a member of a readable group through, but never reads an unreadable group as "not a member"', async () => {
    const groups = new ApproverGroups(api(), ['S0NOSUCH', '@frontend-oncall'], { clock: () => new Date() });
    expect(await groups.membership('U0CAROL')).toEqual({ ok: true, group: '@frontend-oncall' });
    expect(await groups.membership('U0DAVE')).toEqual({
      ok: false,
      problem: expect.stringMatching(/Slack has no user group S0NOSUCH/),
    });
  });
});

describe('approver groups in the configuration', () => {
  it('reads SRE_AGENT_APPROVER_GROUPS (ids and handles), offers the button with a group alone, and refuses malformed groups', () => {
    const env = { SRE_AGENT_ACTIONS: 'rollback', SLACK_SIGNING_SECRET: 'secret' };
    const settings = loadActionSettings(
      undefined,
      { ...env, SRE_AGENT_APPROVER_GROUPS: 'S0614TZR7, @oncall' },
      {},
    );
    expect(settings.approverGroups).toEqual(['S0614TZR7', '@oncall']);
    expect(settings.approvers).toEqual([]);
    expect(rollbackOffered(settings)).toBe(true);
    expect(rollbackOffered(loadActionSettings(undefined, env, {}))).toBe(false);
    expect(() => loadActionSettings(undefined, { SRE_AGENT_APPROVER_GROUPS: 'oncall' }, {})).toThrow(
      /SRE_AGENT_APPROVER_GROUPS: 'oncall' is not a Slack user group id \(like S0614TZR7\) or handle \(like @oncall\)/,
    );
  });

  it('takes approverGroups from the config file, and names the field when one is malformed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sre-agent-groups-config-'));
    try {
      const good = join(dir, 'good.yaml');
      await writeFile(good, 'actions: [rollback]\napproverGroups: [S0614TZR7, "@oncall"]\n');
      const settings = await loadSettings({ service: 'frontend', config: good }, {});
      expect(settings.actions.approverGroups).toEqual(['S0614TZR7', '@oncall']);
      const bad = join(dir, 'bad.yaml');
      await writeFile(bad, 'approverGroups: [oncall]\n');
      await expect(loadSettings({ service: 'frontend', config: bad }, {})).rejects.toThrow(/approverGroups/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
