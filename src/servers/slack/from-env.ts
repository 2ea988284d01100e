import { LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';

import { parseDuration } from '../../config/duration.js';
import { UsageError } from '../../errors/errors.js';
import type { Logger } from '../../util/log.js';
import type { SlackServerDeps } from './deps.js';

type Env = Record<string, string | undefined>;

/** Per-request limit: the WebClient has none by default. */
const defaultRequestTimeoutMs = 10_000;

/**
 * A WebClient and channel from `SLACK_BOT_TOKEN`, `SLACK_CHANNEL_ID` and `SLACK_API_URL` (DESIGN.md
 * 4.2); `SRE_AGENT_SLACK_TIMEOUT` (a duration, at most and by default 10s) bounds each request.
 */
export function slackDepsFromEnv(env: Env, logger: Logger): SlackServerDeps {
  const token = env['SLACK_BOT_TOKEN'];
  if (!token) throw new UsageError('SLACK_BOT_TOKEN is not set: the Slack server needs a bot token to post');
  const channel = env['SLACK_CHANNEL_ID'];
  if (!channel) throw new UsageError('SLACK_CHANNEL_ID is not set: name the one channel reports go to');
  const apiUrl = env['SLACK_API_URL'];
  const timeout = env['SRE_AGENT_SLACK_TIMEOUT'];
  const requestTimeoutMs = timeout
    ? Math.min(defaultRequestTimeoutMs, parseDuration(timeout, 'SRE_AGENT_SLACK_TIMEOUT'))
    : defaultRequestTimeoutMs;
  const client = new WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
    // No retries of its own: a blind retry of chat.postMessage after a timeout posts twice.
    // post-once.ts retries, after looking for the post, and honours Retry-After itself.
    retryConfig: { retries: 0 },
    timeout: requestTimeoutMs,
    rejectRateLimitedCalls: true,
    logger: slackLogger(logger),
  });
  // Two requests, a history lookup and a short Retry-After fit; the host waits 30 s for the post.
  return { client, channel, requestTimeoutMs, budgetMs: 25_000 };
}

/** The WebClient's console logger writes info lines to stdout, which belongs to the MCP protocol. */
function slackLogger(logger: Logger): SlackLogger {
  let level = LogLevel.WARN;
  return {
    debug: () => {},
    info: () => {},
    warn: (...messages: unknown[]) => logger.warn(messages.map(String).join(' ')),
    error: (...messages: unknown[]) => logger.error(messages.map(String).join(' ')),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
