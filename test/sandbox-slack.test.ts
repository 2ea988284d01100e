import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox } from '../src/sandbox/sandbox.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';

const fixture = join(import.meta.dirname, 'fixtures', 'scenarios', 'shop-checkout');

let sandbox: Sandbox;
let slack: WebClient;

function client(token: string): WebClient {
  // No retries and a timeout: the defaults would retry for half an hour.
  return new WebClient(token, {
    slackApiUrl: sandbox.env.SLACK_API_URL,
    retryConfig: { retries: 0 },
    timeout: 5_000,
  });
}

/** The Slack error code of a failed call (`invalid_auth`, `channel_not_found`, ...). */
async function slackError(call: Promise<unknown>): Promise<unknown> {
  const error = (await call.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string; data?: { ok: boolean; error: string } };
  expect(error.code).toBe('slack_webapi_platform_error');
  return error.data;
}

beforeAll(async () => {
  sandbox = await startSandbox(await loadScenario(fixture));
  slack = client(sandbox.env.SLACK_BOT_TOKEN);
});
afterAll(() => sandbox.close());

describe('Slack Web API through WebClient', () => {
  it('answers auth.test, conversations.info and conversations.list for the one channel', async () => {
    expect(await slack.auth.test()).toMatchObject({ ok: true, user_id: 'U0SREAGENT', team_id: 'T0SANDBOX1' });
    const info = await slack.conversations.info({ channel: sandbox.env.SLACK_CHANNEL_ID });
    expect(info.channel).toMatchObject({ id: 'C0SANDBOX1', name: 'incidents', is_member: true });
    const list = await slack.conversations.list();
    expect(list.channels?.map((c) => [c.id, c.name])).toEqual([['C0SANDBOX1', 'incidents']]);
    expect(await slackError(slack.conversations.info({ channel: 'C999' }))).toMatchObject({
      ok: false,
      error: 'channel_not_found',
    });
  });

  it('refuses a wrong token with invalid_auth, and no token with not_authed', async () => {
    expect(await slackError(client('xoxb-wrong').auth.test())).toMatchObject({
      ok: false,
      error: 'invalid_auth',
    });
    const response = await fetch(`${sandbox.env.SLACK_API_URL}auth.test`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('records posts with blocks, threads, and updates, served at /_sandbox/messages', async () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'checkout-service: diagnosed' } },
      { type: 'section', text: { type: 'mrkdwn', text: '*Root cause*: nil map in money.Round' } },
    ];
    const posted = await slack.chat.postMessage({
      channel: sandbox.env.SLACK_CHANNEL_ID,
      text: 'checkout-service diagnosed',
      blocks,
    });
    expect(posted).toMatchObject({
      ok: true,
      channel: 'C0SANDBOX1',
      message: { text: 'checkout-service diagnosed', blocks },
    });
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    const reply = await slack.chat.postMessage({
      channel: '#incidents',
      text: 'details in thread',
      thread_ts: posted.ts,
    });
    expect(reply.ts).not.toBe(posted.ts);
    const updated = await slack.chat.update({
      channel: 'C0SANDBOX1',
      ts: posted.ts ?? '',
      text: 'checkout-service diagnosed (updated)',
    });
    expect(updated.ok).toBe(true);

    const expected = [
      { channel: 'C0SANDBOX1', text: 'checkout-service diagnosed (updated)', blocks, ts: posted.ts },
      { channel: 'C0SANDBOX1', text: 'details in thread', ts: reply.ts, thread_ts: posted.ts },
    ];
    expect(sandbox.slackMessages()).toEqual(expected);
    const served = await fetch(`${sandbox.env.SLACK_API_URL}_sandbox/messages`);
    expect(await served.json()).toEqual({ messages: expected });
  });

  it('accepts JSON bodies with the token in the Authorization header or form bodies with a token field', async () => {
    const json = await fetch(`${sandbox.env.SLACK_API_URL}chat.postMessage`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        authorization: `Bearer ${sandbox.env.SLACK_BOT_TOKEN}`,
      },
      body: JSON.stringify({
        channel: 'C0SANDBOX1',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'from JSON' } }],
      }),
    });
    expect(await json.json()).toMatchObject({ ok: true, message: { blocks: [{ type: 'section' }] } });
    const form = await fetch(`${sandbox.env.SLACK_API_URL}chat.postMessage`, {
      method: 'POST',
      body: new URLSearchParams({
        token: sandbox.env.SLACK_BOT_TOKEN,
        channel: 'C0SANDBOX1',
        text: 'from a form',
      }),
    });
    expect(await form.json()).toMatchObject({ ok: true, message: { text: 'from a form' } });
    expect(
      sandbox
        .slackMessages()
        .slice(-2)
        .map((m) => m.text),
    ).toEqual(['', 'from a form']);
  });

  it('refuses unknown channels, empty messages and blocks Slack would reject, recording none of them', async () => {
    const before = sandbox.slackMessages().length;
    expect(await slackError(slack.chat.postMessage({ channel: 'C0OTHER', text: 'x' }))).toMatchObject({
      ok: false,
      error: 'channel_not_found',
    });
    expect(await slackError(slack.chat.postMessage({ channel: 'C0SANDBOX1', text: '' }))).toMatchObject({
      ok: false,
      error: 'no_text',
    });
    const longHeader = [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }];
    expect(
      await slackError(slack.chat.postMessage({ channel: 'C0SANDBOX1', text: 'x', blocks: longHeader })),
    ).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
    });
    expect(
      await slackError(slack.chat.update({ channel: 'C0SANDBOX1', ts: '1.000001', text: 'x' })),
    ).toMatchObject({ ok: false, error: 'message_not_found' });
    expect(sandbox.slackMessages()).toHaveLength(before);
  });
});

describe('user groups (usergroups.list, usergroups.users.list)', () => {
  const groups = [
    { id: 'S0FRONTEND', handle: 'frontend-oncall', name: 'Frontend on-call', users: ['U0CAROL', 'U0ERIN'] },
  ];

  it('lists groups in the shape Slack documents, with users and counts only when asked, and members by group id', async () => {
    const local = await startSandbox(await loadScenario(fixture), { slack: { usergroups: groups } });
    try {
      const web = new WebClient(local.env.SLACK_BOT_TOKEN, {
        slackApiUrl: local.env.SLACK_API_URL,
        retryConfig: { retries: 0 },
      });
      const plain = await web.usergroups.list();
      expect(plain.usergroups).toEqual([
        expect.objectContaining({
          id: 'S0FRONTEND',
          team_id: 'T0SANDBOX1',
          is_usergroup: true,
          handle: 'frontend-oncall',
          name: 'Frontend on-call',
          date_delete: 0,
        }),
      ]);
      expect(plain.usergroups?.[0]).not.toHaveProperty('users');
      expect(plain.usergroups?.[0]).not.toHaveProperty('user_count');
      const full = await web.usergroups.list({ include_users: true, include_count: true });
      expect(full.usergroups?.[0]).toMatchObject({ users: ['U0CAROL', 'U0ERIN'], user_count: '2' });
      expect(await web.usergroups.users.list({ usergroup: 'S0FRONTEND' })).toMatchObject({
        ok: true,
        users: ['U0CAROL', 'U0ERIN'],
      });
      const missing = (await web.usergroups.users
        .list({ usergroup: 'S0NOSUCH' })
        .catch((e: unknown) => e)) as {
        data?: unknown;
      };
      expect(missing.data).toMatchObject({ ok: false, error: 'no_such_subteam' });
    } finally {
      await local.close();
    }
  });

  it('answers missing_scope, naming the scope needed and those provided, when the bot lacks usergroups:read', async () => {
    const local = await startSandbox(await loadScenario(fixture), {
      slack: { usergroups: groups, scopes: ['chat:write', 'commands'] },
    });
    try {
      const web = new WebClient(local.env.SLACK_BOT_TOKEN, {
        slackApiUrl: local.env.SLACK_API_URL,
        retryConfig: { retries: 0 },
      });
      for (const call of [
        () => web.usergroups.list(),
        () => web.usergroups.users.list({ usergroup: 'S0FRONTEND' }),
      ]) {
        const error = (await call().catch((e: unknown) => e)) as { data?: unknown };
        expect(error.data).toMatchObject({
          ok: false,
          error: 'missing_scope',
          needed: 'usergroups:read',
          provided: 'chat:write,commands',
        });
      }
    } finally {
      await local.close();
    }
  });

  it('seeds the groups from a scenario’s slack.usergroups', async () => {
    const scenario = await loadScenario(
      join(import.meta.dirname, '..', 'scenarios', 'frontend-imagepull-after-rollout'),
    );
    expect(scenario.slack?.usergroups.map((g) => g.handle)).toEqual(['frontend-oncall', 'payments-oncall']);
    const local = await startSandbox(scenario);
    try {
      const web = new WebClient(local.env.SLACK_BOT_TOKEN, { slackApiUrl: local.env.SLACK_API_URL });
      expect((await web.usergroups.users.list({ usergroup: 'S0PAYMENTS' })).users).toEqual(['U0DAVE']);
    } finally {
      await local.close();
    }
  });
});
