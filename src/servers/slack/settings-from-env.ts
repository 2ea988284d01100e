import { parseDuration } from '../../config/duration.js';
import { UsageError } from '../../errors/errors.js';
import type { SlackServerDeps } from './deps.js';

type Env = Record<string, string | undefined>;

/** Per-request limit: the WebClient has none by default. */
const defaultRequestTimeoutMs = 10_000;

/** What the Slack server reads from its environment, checked without loading the Slack client. */
export interface SlackSettings {
  token: string;
  channel: string;
  /** `SLACK_API_URL`, with the trailing slash the WebClient expects. */
  apiUrl?: string;
  requestTimeoutMs: number;
}

/**
 * `SLACK_BOT_TOKEN`, `SLACK_CHANNEL_ID` and `SLACK_API_URL` (DESIGN.md 4.2); `SRE_AGENT_SLACK_TIMEOUT`
 * (a duration, at most and by default 10s) bounds each request. A missing one throws `UsageError`.
 */
export function slackSettingsFromEnv(env: Env): SlackSettings {
  const token = env['SLACK_BOT_TOKEN'];
  if (!token) throw new UsageError('SLACK_BOT_TOKEN is not set: the Slack server needs a bot token to post');
  const channel = env['SLACK_CHANNEL_ID'];
  if (!channel) throw new UsageError('SLACK_CHANNEL_ID is not set: name the one channel reports go to');
  const apiUrl = env['SLACK_API_URL'];
  const timeout = env['SRE_AGENT_SLACK_TIMEOUT'];
  const requestTimeoutMs = timeout
    ? Math.min(defaultRequestTimeoutMs, parseDuration(timeout, 'SRE_AGENT_SLACK_TIMEOUT'))
    : defaultRequestTimeoutMs;
  return {
    token,
    channel,
    ...(apiUrl ? { apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
    requestTimeoutMs,
  };
}

/** The deps for `settings` around `client` (the WebClient, or a stand-in that loads it later). */
export function slackDeps(settings: SlackSettings, client: SlackServerDeps['client']): SlackServerDeps {
  // Two requests, a history lookup and a short Retry-After fit; the host waits 30 s for the post.
  return { client, channel: settings.channel, requestTimeoutMs: settings.requestTimeoutMs, budgetMs: 25_000 };
}
