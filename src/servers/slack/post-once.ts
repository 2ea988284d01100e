import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatPostMessageArguments } from '@slack/web-api';

import { errorMessage } from '../../errors/errors.js';
import type { SlackServerDeps } from './deps.js';

/**
 * One Slack post that is neither lost nor doubled. `chat.postMessage` is not idempotent and Slack
 * offers no idempotency key, so a blind retry after a timeout posts twice when the first request
 * did get through (a slow answer past the client's timeout). Instead:
 * - a timeout, a dropped connection or a 5xx leaves the outcome unknown: the channel history is
 *   searched for the post's marker (message metadata, which `conversations.history` returns with
 *   `include_all_metadata`), and the post is sent again only when it is not there;
 * - a 429 is honoured: wait `Retry-After` seconds and try again, if that fits the post's budget
 *   (the WebClient is set to reject rate-limited calls rather than wait on its own);
 * - a connection refused never reached Slack: one more try;
 * - any other `ok: false` (`channel_not_found`, `not_in_channel`, `invalid_auth`) is final.
 *
 * Slack Web API rules as documented at docs.slack.dev (December 2026): chat.postMessage takes
 * `metadata: {event_type, event_payload}` (docs.slack.dev/messaging/message-metadata);
 * conversations.history takes `oldest`, `limit` and `include_all_metadata` and needs the
 * `channels:history` (or `groups:history`) scope, and is limited to 1 request a minute for
 * commercially distributed non-Marketplace apps (docs.slack.dev/reference/methods/conversations.history);
 * a 429 carries `Retry-After` in seconds (docs.slack.dev/apis/web-api/rate-limits).
 */

/** The metadata event type every report post carries; its payload holds the post's marker. */
export const REPORT_EVENT_TYPE = 'sre_agent_report';

/** What happened, for the report's `slack` field. */
export type PostResult =
  | {
      ok: true;
      channel: string;
      ts: string;
      attempts: number;
      confirmedBy: 'answer' | 'history';
      notes: string[];
    }
  | {
      ok: false;
      error: string;
      attempts: number;
      notes: string[];
      /** The post may have gone through: Slack's answer never came and it could not be checked. */
      uncertain?: true;
    };

type Attempt =
  | { kind: 'posted'; channel: string; ts: string }
  | { kind: 'refused'; error: string }
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'not-sent'; error: string }
  | { kind: 'unknown'; error: string };

/** What a WebClient call's failure means for the post. */
function classify(error: unknown): Attempt {
  const e = (error ?? {}) as {
    code?: unknown;
    data?: { error?: unknown };
    retryAfter?: unknown;
    statusCode?: unknown;
  };
  if (e.code === 'slack_webapi_rate_limited_error') {
    return { kind: 'rate-limited', retryAfterSeconds: typeof e.retryAfter === 'number' ? e.retryAfter : 1 };
  }
  if (e.code === 'slack_webapi_platform_error') {
    const code = typeof e.data?.error === 'string' ? e.data.error : 'unknown_error';
    // Slack's own trouble: the message may or may not have been stored.
    if (['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'].includes(code))
      return { kind: 'unknown', error: `Slack answered ${code}` };
    if (code === 'ratelimited') return { kind: 'rate-limited', retryAfterSeconds: 1 };
    return { kind: 'refused', error: code };
  }
  if (e.code === 'slack_webapi_http_error') {
    return { kind: 'unknown', error: `Slack answered HTTP ${String(e.statusCode)}` };
  }
  const message = errorMessage(error);
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH/.test(message))
    return { kind: 'not-sent', error: message };
  return {
    kind: 'unknown',
    error: /timeout/i.test(message) ? `no answer within the client's timeout (${message})` : message,
  };
}

export interface PostOnceOptions {
  /** Marks the post so it can be found in the channel history: the incident's dedupe key or run id. */
  marker?: string;
  signal?: AbortSignal;
  now?: () => number;
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Post `message` to the configured channel at most once, within `deps.budgetMs`. Never throws.
 */
export async function postOnce(
  deps: SlackServerDeps,
  message: Omit<ChatPostMessageArguments, 'channel' | 'metadata'> & { text: string },
  options: PostOnceOptions = {},
): Promise<PostResult> {
  const now = options.now ?? Date.now;
  const wait = options.wait ?? ((ms, signal) => sleep(ms, undefined, { signal }));
  const started = now();
  const deadline = started + (deps.budgetMs ?? 25_000);
  const requestMs = deps.requestTimeoutMs ?? 10_000;
  const marker = options.marker ?? randomUUID();
  const threaded = 'thread_ts' in message && Boolean(message.thread_ts);
  const notes: string[] = [];
  let attempts = 0;
  let lastError = 'Slack did not confirm the post';

  while (!options.signal?.aborted) {
    attempts += 1;
    let attempt: Attempt;
    try {
      const answer = await deps.client.chat.postMessage({
        ...message,
        channel: deps.channel,
        metadata: { event_type: REPORT_EVENT_TYPE, event_payload: { marker } },
      } as ChatPostMessageArguments);
      // A client configured not to throw still reports failure as ok:false with HTTP 200.
      attempt =
        answer.ok === true && answer.ts
          ? { kind: 'posted', channel: answer.channel ?? deps.channel, ts: answer.ts }
          : { kind: 'refused', error: answer.error ?? 'no ts in the answer' };
    } catch (error) {
      attempt = classify(error);
    }
    if (attempt.kind === 'posted') {
      return { ok: true, channel: attempt.channel, ts: attempt.ts, attempts, confirmedBy: 'answer', notes };
    }
    if (attempt.kind === 'refused') {
      return {
        ok: false,
        error: `Slack refused the post: ${attempt.error}. Nothing was posted.`,
        attempts,
        notes,
      };
    }
    if (attempt.kind === 'rate-limited') {
      const waitMs = attempt.retryAfterSeconds * 1000;
      if (now() + waitMs + requestMs > deadline) {
        return {
          ok: false,
          error: `Slack rate-limited the post and asked to wait ${attempt.retryAfterSeconds}s, past the post's budget. Nothing was posted.`,
          attempts,
          notes,
        };
      }
      notes.push(`rate-limited; waited ${attempt.retryAfterSeconds}s as Retry-After asked`);
      if (!(await pause(wait, waitMs, options.signal))) break;
      continue;
    }
    lastError = attempt.error;
    if (attempt.kind === 'unknown') {
      if (threaded) {
        // A thread reply cannot be looked up in the channel's history: better none than two.
        return {
          ok: false,
          error: `${attempt.error}; the thread reply was not sent again`,
          attempts,
          notes,
          uncertain: true,
        };
      }
      // Give a post that is still being stored a moment to show in the history.
      await pause(wait, Math.min(1_000, Math.max(0, deadline - now())), options.signal);
      const found = await findPost(deps, marker);
      if (found.kind === 'found') {
        notes.push(`${attempt.error}; found the post in the channel history, so it was not sent again`);
        return { ok: true, channel: deps.channel, ts: found.ts, attempts, confirmedBy: 'history', notes };
      }
      if (found.kind === 'unknown') {
        return {
          ok: false,
          error: `${attempt.error}; whether the post went through could not be checked (conversations.history: ${found.error}), so it was not sent again`,
          attempts,
          notes,
          uncertain: true,
        };
      }
      notes.push(`${attempt.error}; the post was not in the channel history, so it was sent again`);
    } else {
      // Refused connections once more only: an address that is wrong stays wrong.
      if (attempts >= 2) break;
      notes.push(`${attempt.error}; tried again`);
      if (!(await pause(wait, 1_000, options.signal))) break;
    }
    if (now() + requestMs > deadline || attempts >= 4) break;
  }
  return {
    ok: false,
    error: `Slack API unreachable, nothing was posted: ${lastError}`,
    attempts,
    notes,
  };
}

/** Wait, unless the call was cancelled; false when it was. */
async function pause(
  wait: (ms: number, signal?: AbortSignal) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  try {
    await wait(ms, signal);
    return !signal?.aborted;
  } catch {
    return false;
  }
}

/** The post carrying `marker`, searched among the channel's newest messages. */
async function findPost(
  deps: SlackServerDeps,
  marker: string,
): Promise<{ kind: 'found'; ts: string } | { kind: 'absent' } | { kind: 'unknown'; error: string }> {
  try {
    // The newest messages, not a time window: Slack's ts and this host's clock may disagree, and
    // the marker decides. 15 is the most a non-Marketplace app may ask for.
    const history = await deps.client.conversations.history({
      channel: deps.channel,
      limit: 15,
      include_all_metadata: true,
    });
    const match = (history.messages ?? []).find((m) => {
      const metadata = (m as { metadata?: { event_type?: string; event_payload?: Record<string, unknown> } })
        .metadata;
      return metadata?.event_type === REPORT_EVENT_TYPE && metadata.event_payload?.['marker'] === marker;
    });
    return match?.ts ? { kind: 'found', ts: match.ts } : { kind: 'absent' };
  } catch (error) {
    const data = (error as { data?: { error?: unknown } }).data;
    return { kind: 'unknown', error: typeof data?.error === 'string' ? data.error : errorMessage(error) };
  }
}
