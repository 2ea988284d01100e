import type { SandboxSlackMessage } from '../report/schema.js';
import type { SandboxUsergroup } from './scenario-types.js';
import { listenLocal, pathSegments, readBody, sendJson } from './local-http.js';
import type { LocalServer } from './local-http.js';
import { startSlackSocketHub } from './slack-socket.js';
import {
  metadataArg,
  readArgs,
  readContent,
  tokenOf,
  truthy,
  type Args,
  type MessageMetadata,
  type Reply,
} from './slack-args.js';

/** The sandbox workspace: one bot, one channel. */
export const sandboxSlack = {
  teamId: 'T0SANDBOX1',
  team: 'sre-agent sandbox',
  userId: 'U0SREAGENT',
  botId: 'B0SREAGENT',
  channelId: 'C0SANDBOX1',
  channelName: 'incidents',
} as const;

/**
 * The bot token's scopes, as deploy/slack-app-manifest.yaml asks for them. Methods that need a
 * scope the token lacks answer `missing_scope` with `needed` and `provided`, as Slack does
 * (https://docs.slack.dev/reference/scopes).
 */
export const SANDBOX_BOT_SCOPES = [
  'commands',
  'chat:write',
  'channels:history',
  'groups:history',
  'usergroups:read',
] as const;

/** The local Slack Web API and what it received. */
export interface SlackApi extends LocalServer {
  /** Every message posted so far (updated in place by chat.update), oldest first. */
  messages(): SandboxSlackMessage[];
  /** Every ephemeral message (chat.postEphemeral), oldest first: seen only by `user`. */
  ephemerals(): Array<{ channel: string; user: string; text: string; message_ts: string }>;
  /** How many times each Web API method was called (also at `GET <url>/api/_sandbox/calls`). */
  calls(): Record<string, number>;
}

/** A message as the local Slack keeps it: what tests see, plus the metadata only the API returns. */
interface StoredMessage extends SandboxSlackMessage {
  metadata?: MessageMetadata;
}

function channelObject() {
  return {
    id: sandboxSlack.channelId,
    name: sandboxSlack.channelName,
    is_channel: true,
    is_private: false,
    is_archived: false,
    is_member: true,
    is_general: false,
    created: 1_700_000_000,
    topic: {
      value: 'Incident reports from sre-agent',
      creator: sandboxSlack.userId,
      last_set: 1_700_000_000,
    },
    purpose: {
      value: 'Where the sandbox posts diagnoses',
      creator: sandboxSlack.userId,
      last_set: 1_700_000_000,
    },
    num_members: 3,
  };
}

/** Accept the channel as an id, `incidents` or `#incidents`, as Slack does. */
function resolveChannel(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const name = value.replace(/^#/, '');
  return value === sandboxSlack.channelId || name === sandboxSlack.channelName
    ? sandboxSlack.channelId
    : undefined;
}

function messageBody(message: StoredMessage, withMetadata = false): Reply {
  return {
    type: 'message',
    user: sandboxSlack.userId,
    bot_id: sandboxSlack.botId,
    team: sandboxSlack.teamId,
    text: message.text,
    ts: message.ts,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
    ...(withMetadata && message.metadata ? { metadata: message.metadata } : {}),
  };
}

/**
 * A user group object as usergroups.list returns it
 * (https://docs.slack.dev/reference/methods/usergroups.list): `users` only with `include_users`,
 * `user_count` (a string) only with `include_count`.
 */
function usergroupObject(group: SandboxUsergroup, created: number, args: Args): Reply {
  return {
    id: group.id,
    team_id: sandboxSlack.teamId,
    is_usergroup: true,
    name: group.name ?? group.handle,
    description: '',
    handle: group.handle,
    is_external: false,
    date_create: created,
    date_update: created,
    date_delete: 0,
    auto_type: null,
    created_by: 'USLACKBOT',
    updated_by: 'USLACKBOT',
    deleted_by: null,
    prefs: { channels: [], groups: [] },
    ...(truthy(args.include_users) ? { users: [...group.users] } : {}),
    ...(truthy(args.include_count) ? { user_count: String(group.users.length) } : {}),
  };
}

/**
 * Serve a Slack Web API on 127.0.0.1 (base URL `<url>/api/`): auth.test, chat.postMessage (with
 * message metadata), chat.update, chat.postEphemeral, conversations.info/list/history,
 * chat.getPermalink, usergroups.list and usergroups.users.list. Every post is recorded and
 * served back at `GET <url>/api/_sandbox/messages`. Errors come as `ok: false` with HTTP 200.
 */
export async function startSlackApi(options: {
  token: string;
  now: string;
  /** The app-level token (`xapp-…`) `apps.connections.open` accepts. */
  appToken?: string;
  /** The workspace's user groups (a scenario's `slack.usergroups`); none by default. */
  usergroups?: readonly SandboxUsergroup[];
  /** The bot token's scopes; SANDBOX_BOT_SCOPES by default. Leave one out to see `missing_scope`. */
  scopes?: readonly string[];
}): Promise<SlackApi> {
  const messages: StoredMessage[] = [];
  const calls: Record<string, number> = {};
  const usergroups = options.usergroups ?? [];
  const scopes = options.scopes ?? SANDBOX_BOT_SCOPES;
  const needs = (scope: string): Reply | undefined =>
    scopes.includes(scope)
      ? undefined
      : { ok: false, error: 'missing_scope', needed: scope, provided: scopes.join(',') };
  const ephemerals: Array<{ channel: string; user: string; text: string; message_ts: string }> = [];
  const socketHub = await startSlackSocketHub({ appId: 'A0SREAGENT' });
  const baseSeconds = Math.floor(Date.parse(options.now) / 1000);
  const nextTs = () => `${baseSeconds}.${String((messages.length + 1) * 100).padStart(6, '0')}`;

  const methods: Record<string, (args: Args) => Reply> = {
    'auth.test': () => ({
      url: 'https://sre-agent-sandbox.slack.com/',
      team: sandboxSlack.team,
      user: 'sre-agent',
      team_id: sandboxSlack.teamId,
      user_id: sandboxSlack.userId,
      bot_id: sandboxSlack.botId,
      is_enterprise_install: false,
    }),
    'chat.postMessage': (args) => {
      const channel = resolveChannel(args.channel);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      const read = readContent(args);
      if ('refusal' in read) return read.refusal;
      const { content } = read;
      const metadata = metadataArg(args.metadata);
      if (!metadata.ok) return { ok: false, error: 'invalid_metadata_format' };
      const threadTs =
        typeof args.thread_ts === 'string' && args.thread_ts !== '' ? args.thread_ts : undefined;
      const message: StoredMessage = {
        channel,
        text: content.text,
        ts: nextTs(),
        ...(content.blocks ? { blocks: content.blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        ...(metadata.value ? { metadata: metadata.value } : {}),
      };
      messages.push(message);
      return { channel, ts: message.ts, message: messageBody(message) };
    },
    'chat.update': (args) => {
      const channel = resolveChannel(args.channel);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      const message = messages.find((m) => m.channel === channel && m.ts === args.ts);
      if (!message) return { ok: false, error: 'message_not_found' };
      const read = readContent(args);
      if ('refusal' in read) return read.refusal;
      const { content } = read;
      message.text = content.text;
      if (content.blocks) message.blocks = content.blocks;
      return { channel, ts: message.ts, text: message.text, message: messageBody(message) };
    },
    // Seen by one user of the channel only, never in history; answers `message_ts`
    // (https://docs.slack.dev/reference/methods/chat.postEphemeral).
    'chat.postEphemeral': (args) => {
      const channel = resolveChannel(args.channel);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      if (typeof args.user !== 'string' || args.user === '')
        return { ok: false, error: 'user_not_in_channel' };
      const read = readContent(args);
      if ('refusal' in read) return read.refusal;
      const message_ts = `${baseSeconds}.${String(900_000 + ephemerals.length + 1).padStart(6, '0')}`;
      ephemerals.push({ channel, user: args.user, text: read.content.text, message_ts });
      return { message_ts };
    },
    'chat.getPermalink': (args) => {
      const channel = resolveChannel(args.channel);
      const message = messages.find((m) => m.channel === channel && m.ts === args.message_ts);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      if (!message) return { ok: false, error: 'message_not_found' };
      return {
        channel,
        permalink: `https://sre-agent-sandbox.slack.com/archives/${channel}/p${message.ts.replace('.', '')}`,
      };
    },
    'conversations.info': (args) =>
      resolveChannel(args.channel) ? { channel: channelObject() } : { ok: false, error: 'channel_not_found' },
    // Every group of the workspace, in no particular order; needs usergroups:read
    // (https://docs.slack.dev/reference/methods/usergroups.list).
    'usergroups.list': (args) =>
      needs('usergroups:read') ?? {
        usergroups: usergroups.map((group) => usergroupObject(group, baseSeconds - 86_400 * 90, args)),
      },
    // The member ids of one group, `no_such_subteam` for an id the workspace does not have; needs
    // usergroups:read (https://docs.slack.dev/reference/methods/usergroups.users.list).
    'usergroups.users.list': (args) => {
      const refused = needs('usergroups:read');
      if (refused) return refused;
      const group = usergroups.find((g) => g.id === args.usergroup);
      return group ? { users: [...group.users] } : { ok: false, error: 'no_such_subteam' };
    },
    'conversations.list': () => ({ channels: [channelObject()], response_metadata: { next_cursor: '' } }),
    // Newest first, top-level messages only; `oldest`/`latest` bound by ts, `limit` defaults to
    // 100 (docs.slack.dev/reference/methods/conversations.history); metadata only when asked.
    'conversations.history': (args) => {
      const channel = resolveChannel(args.channel);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      const oldest = Number(args.oldest ?? 0);
      const latest = args.latest === undefined ? Number.POSITIVE_INFINITY : Number(args.latest);
      const inclusive = truthy(args.inclusive);
      const limit = Math.min(999, Math.max(1, Number(args.limit ?? 100) || 100));
      const inRange = (ts: number) =>
        (inclusive ? ts >= oldest : ts > oldest) && (inclusive ? ts <= latest : ts < latest);
      const all = messages
        .filter((m) => m.channel === channel && !m.thread_ts && inRange(Number(m.ts)))
        .reverse();
      const history = all.slice(0, limit).map((m) => messageBody(m, truthy(args.include_all_metadata)));
      return { messages: history, has_more: all.length > limit, response_metadata: { next_cursor: '' } };
    },
  };

  const server = await listenLocal('slack', async (req, res, url) => {
    const segments = pathSegments(url.pathname);
    const last = segments.at(-1) ?? '';
    if (req.method === 'GET' && last === 'messages' && segments.at(-2) === '_sandbox') {
      return sendJson(res, 200, { messages });
    }
    if (req.method === 'GET' && last === 'ephemerals' && segments.at(-2) === '_sandbox') {
      return sendJson(res, 200, { ephemerals });
    }
    if (req.method === 'GET' && last === 'calls' && segments.at(-2) === '_sandbox') {
      return sendJson(res, 200, { calls });
    }
    // One button click (a block_actions payload, JSON) over Socket Mode, as an `interactive` envelope.
    if (req.method === 'POST' && last === 'interactive' && segments.at(-2) === '_sandbox') {
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse((await readBody(req)).toString('utf8')) as Record<string, unknown>;
      } catch {
        return sendJson(res, 400, { ok: false, error: 'the body is not a JSON payload' });
      }
      const delivered = await socketHub.deliver(payload, 3_000, 'interactive');
      if (delivered.acked) return sendJson(res, 200, { ok: true, acknowledged: true });
      return delivered.reason === 'no-client'
        ? sendJson(res, 409, { ok: false, error: 'no Socket Mode client is connected' })
        : sendJson(res, 504, { ok: false, error: 'the app did not acknowledge within 3 s' });
    }
    // One slash command over the open Socket Mode connection: 200 with the app's acknowledgement
    // once it acknowledged, 409 when no app is connected, 504 when it did not acknowledge in 3 s.
    if (req.method === 'POST' && last === 'slash' && segments.at(-2) === '_sandbox') {
      const fields = Object.fromEntries(new URLSearchParams((await readBody(req)).toString('utf8')));
      const delivered = await socketHub.deliver(fields);
      if (delivered.acked)
        return sendJson(res, 200, { ok: true, acknowledged: true, payload: delivered.payload });
      return delivered.reason === 'no-client'
        ? sendJson(res, 409, { ok: false, error: 'no Socket Mode client is connected' })
        : sendJson(res, 504, { ok: false, error: 'the app did not acknowledge within 3 s' });
    }
    const method = segments.length <= 2 && (segments.length === 1 || segments[0] === 'api') ? last : '';
    let args: Args;
    try {
      args = await readArgs(req, url);
    } catch {
      return sendJson(res, 200, { ok: false, error: 'invalid_json' });
    }
    if (method === 'api.test') return sendJson(res, 200, { ok: true, args });
    // Socket Mode: the app-level token opens a connection; the bot token may not.
    if (method === 'apps.connections.open') {
      const token = tokenOf(req, args);
      if (!token) return sendJson(res, 200, { ok: false, error: 'not_authed' });
      if (!options.appToken || token !== options.appToken)
        return sendJson(res, 200, { ok: false, error: 'invalid_auth' });
      return sendJson(res, 200, { ok: true, url: socketHub.openUrl() });
    }
    const handler = methods[method];
    if (!handler) return sendJson(res, 200, { ok: false, error: 'unknown_method', req_method: method });
    calls[method] = (calls[method] ?? 0) + 1;
    const token = tokenOf(req, args);
    if (!token) return sendJson(res, 200, { ok: false, error: 'not_authed' });
    if (token !== options.token) return sendJson(res, 200, { ok: false, error: 'invalid_auth' });
    const reply = handler(args);
    sendJson(res, 200, reply.ok === false ? reply : { ok: true, ...reply });
  });
  return {
    ...server,
    close: async () => {
      await socketHub.close();
      await server.close();
    },
    messages: () => messages.map(({ metadata: _metadata, ...m }) => ({ ...m })),
    ephemerals: () => ephemerals.map((e) => ({ ...e })),
    calls: () => ({ ...calls }),
  };
}
