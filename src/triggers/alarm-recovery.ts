import type { Env } from '../config/load.js';
import type { DedupeStore, PostedNote } from '../dedupe/dedupe-store.js';
import { parseDuration } from '../config/duration.js';
import { errorMessage } from '../errors/errors.js';
import type { AlarmRecovery } from '../incident/event-types.js';
import { recoveryText } from '../incident/recovery-text.js';
import type { Logger } from '../util/log.js';
import { hostSlackClient } from '../util/slack-web-client.js';
import { postOnce } from '../servers/slack/post-once.js';

/** The store key under which a posted alarm report is kept, for its recovery to find. */
export const reportNoteKey = (alarmKey: string): string => `report:${alarmKey}`;

/** What became of an OK transition. */
export type RecoveryOutcome =
  { replied: true; channel: string; thread: string; ts: string } | { replied: false; reason: string };

/** A reply Slack may have stored although it never said so: not to be tried again. */
export class UncertainReply extends Error {
  override name = 'UncertainReply';
}

/** Posts one reply in a thread; the default is the Slack Web API with the bot token. */
export type ThreadPoster = (reply: { channel: string; thread_ts: string; text: string }) => Promise<string>;

/**
 * `chat.postMessage` in the thread, through the same once-only post as reports: no blind retry
 * (a reply whose outcome is unknown is not sent again, since a thread cannot be searched for it),
 * 429s honoured, a refused connection tried once more.
 */
export function slackThreadPoster(env: Env, logger: Logger): ThreadPoster {
  return async (reply) => {
    const token = env.SLACK_BOT_TOKEN;
    if (!token) throw new Error('SLACK_BOT_TOKEN is not set');
    // As for report posts: SRE_AGENT_SLACK_TIMEOUT bounds each request, at most 10 s.
    const configured = env.SRE_AGENT_SLACK_TIMEOUT;
    const requestTimeoutMs = configured
      ? Math.min(10_000, parseDuration(configured, 'SRE_AGENT_SLACK_TIMEOUT'))
      : 10_000;
    const client = await hostSlackClient(
      token,
      { apiUrl: env.SLACK_API_URL, retries: 0, timeoutMs: requestTimeoutMs, rejectRateLimitedCalls: true },
      logger,
    );
    const posted = await postOnce(
      { client, channel: reply.channel, requestTimeoutMs, budgetMs: 25_000 },
      { text: reply.text, thread_ts: reply.thread_ts, unfurl_links: false, link_names: false },
    );
    if (!posted.ok) throw posted.uncertain ? new UncertainReply(posted.error) : new Error(posted.error);
    return posted.ts;
  };
}

/**
 * An alarm back to OK: when its report was posted, one reply in that report's thread saying when
 * it recovered — never a new top-level post, and nothing at all when no report was posted. A
 * repeated delivery of the same OK is claimed like an incident, so the thread gets one reply.
 */
export async function replyToRecovery(
  recovery: AlarmRecovery,
  deps: { store: DedupeStore; post: ThreadPoster; logger: Logger },
): Promise<RecoveryOutcome> {
  const note: PostedNote | undefined = await deps.store.recall(reportNoteKey(recovery.key));
  if (!note) {
    deps.logger.info(`alarm '${recovery.alarm}' recovered; no report of it was posted, so nothing is said`);
    return { replied: false, reason: 'no report of this alarm was posted' };
  }
  const claimKey = `recovery:${recovery.key}:${recovery.at}`;
  if (!(await deps.store.claim(claimKey)))
    return { replied: false, reason: 'this recovery was already told' };
  try {
    const ts = await deps.post({
      channel: note.channel,
      thread_ts: note.ts,
      text: recoveryText(recovery, note.since),
    });
    deps.logger.info(`alarm '${recovery.alarm}' recovered: replied in the report's thread`, {
      channel: note.channel,
      thread: note.ts,
    });
    return { replied: true, channel: note.channel, thread: note.ts, ts };
  } catch (error) {
    // A reply that surely failed may be tried by a later delivery of the same OK; one that may
    // be in the thread already keeps its claim, so that it is never told twice.
    if (!(error instanceof UncertainReply)) await deps.store.release(claimKey);
    deps.logger.warn(`alarm '${recovery.alarm}' recovered, but the thread reply failed`, {
      error: errorMessage(error),
    });
    return { replied: false, reason: `the reply failed: ${errorMessage(error)}` };
  }
}
