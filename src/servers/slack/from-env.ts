import { LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';

import { UsageError } from '../../errors/errors.js';
import type { Logger } from '../../util/log.js';
import type { SlackServerDeps } from './deps.js';

type Env = Record<string, string | undefined>;

/** Per-request limit: the WebClient has none by default. */
const requestTimeoutMs = 15_000;

/** A WebClient and channel from `SLACK_BOT_TOKEN`, `SLACK_CHANNEL_ID` and `SLACK_API_URL` (DESIGN.md 4.2). */
export function slackDepsFromEnv(env: Env, logger: Logger): SlackServerDeps {
  const token = env['SLACK_BOT_TOKEN'];
  if (!token) throw new UsageError('SLACK_BOT_TOKEN is not set: the Slack server needs a bot token to post');
  const channel = env['SLACK_CHANNEL_ID'];
  if (!channel) throw new UsageError('SLACK_CHANNEL_ID is not set: name the one channel reports go to');
  const apiUrl = env['SLACK_API_URL'];
  const client = new WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
    // The defaults retry for about 30 minutes with no request timeout; a run has five.
    retryConfig: { retries: 2 },
    timeout: requestTimeoutMs,
    rejectRateLimitedCalls: true,
    logger: slackLogger(logger),
  });
  return { client, channel };
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
