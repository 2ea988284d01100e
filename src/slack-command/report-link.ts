import type { Env } from '../config/load.js';
import { errorMessage } from '../errors/errors.js';
import type { Logger } from '../util/log.js';
import { hostSlackClient } from '../util/slack-web-client.js';

/**
 * A link to a posted report: Slack's permalink (`chat.getPermalink`, a read), or the archive URL
 * Slack redirects from when the permalink cannot be had.
 */
export async function reportLink(
  env: Env,
  posted: { channel: string; ts: string },
  logger: Logger,
): Promise<string> {
  const fallback = `https://slack.com/archives/${posted.channel}/p${posted.ts.replace('.', '')}`;
  if (!env.SLACK_BOT_TOKEN) return fallback;
  try {
    // The client retries for half an hour and has no timeout by default.
    const client = await hostSlackClient(
      env.SLACK_BOT_TOKEN,
      { apiUrl: env.SLACK_API_URL, retries: 0, timeoutMs: 5_000 },
      logger,
    );
    const answer = await client.chat.getPermalink({ channel: posted.channel, message_ts: posted.ts });
    return answer.permalink ?? fallback;
  } catch (error) {
    logger.warn('chat.getPermalink failed: linking to the archive URL', { error: errorMessage(error) });
    return fallback;
  }
}
