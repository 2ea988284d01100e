import type { Env } from '../config/load.js';
import { errorMessage } from '../errors/errors.js';
import type { Logger } from '../util/log.js';

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
    // From the esbuild bundle, this CommonJS package's dynamic import has only a `default`.
    const loaded = await import('@slack/web-api');
    const { WebClient, LogLevel } =
      'WebClient' in loaded && loaded.WebClient
        ? loaded
        : (loaded as unknown as { default: typeof loaded }).default;
    const apiUrl = env.SLACK_API_URL;
    const client = new WebClient(env.SLACK_BOT_TOKEN, {
      ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
      // Its console logger writes to stdout, which belongs to the report.
      logger: {
        debug: () => {},
        info: () => {},
        warn: (...m: unknown[]) => logger.warn(m.map(String).join(' ')),
        error: (...m: unknown[]) => logger.error(m.map(String).join(' ')),
        setLevel: () => {},
        getLevel: () => LogLevel.WARN,
        setName: () => {},
      },
      // The client retries for half an hour and has no timeout by default.
      retryConfig: { retries: 0 },
      timeout: 5_000,
    });
    const answer = await client.chat.getPermalink({ channel: posted.channel, message_ts: posted.ts });
    return answer.permalink ?? fallback;
  } catch (error) {
    logger.warn('chat.getPermalink failed: linking to the archive URL', { error: errorMessage(error) });
    return fallback;
  }
}
