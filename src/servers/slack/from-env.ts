import { WebClient } from '@slack/web-api';

import type { Logger } from '../../util/log.js';
import { slackLogger } from '../../util/slack-web-client.js';
import type { SlackServerDeps } from './deps.js';
import { slackDeps, slackSettingsFromEnv, type SlackSettings } from './settings-from-env.js';

type Env = Record<string, string | undefined>;

/**
 * A WebClient and channel from `SLACK_BOT_TOKEN`, `SLACK_CHANNEL_ID` and `SLACK_API_URL` (DESIGN.md
 * 4.2); `SRE_AGENT_SLACK_TIMEOUT` (a duration, at most and by default 10s) bounds each request.
 */
export function slackDepsFromEnv(env: Env, logger: Logger): SlackServerDeps {
  const settings = slackSettingsFromEnv(env);
  return slackDeps(settings, slackClient(settings, logger));
}

/** The WebClient for `settings`. */
export function slackClient(settings: SlackSettings, logger: Logger): WebClient {
  return new WebClient(settings.token, {
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
    // No retries of its own: a blind retry of chat.postMessage after a timeout posts twice.
    // post-once.ts retries, after looking for the post, and honours Retry-After itself.
    retryConfig: { retries: 0 },
    timeout: settings.requestTimeoutMs,
    rejectRateLimitedCalls: true,
    logger: slackLogger(logger),
  });
}
