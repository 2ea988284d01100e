import { signSlackRequest } from '../../src/slack-command/signature.js';
import type { Logger } from '../../src/util/log.js';

/** Poll `check` every 50 ms until it gives a value, or fail after `timeoutMs`. */
export async function until<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 75_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A `block_actions` payload as Slack sends it for a click of the rollback button on `message`
 * (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload).
 */
export function clickPayload(
  user: string,
  channel: string,
  message: { ts: string; text: string; blocks?: unknown[] },
  value: string,
  responseUrl?: string,
) {
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: 'T0SANDBOX1' },
    api_app_id: 'A0SREAGENT',
    container: { type: 'message', message_ts: message.ts, channel_id: channel },
    channel: { id: channel, name: 'incidents' },
    message: { type: 'message', ts: message.ts, text: message.text, blocks: message.blocks },
    ...(responseUrl ? { response_url: responseUrl } : {}),
    actions: [
      {
        type: 'button',
        action_id: 'sre_agent_rollback',
        block_id: 'sre_agent_action',
        value,
        action_ts: '1',
      },
    ],
  };
}

/** POST a click to `serve slack`'s interactivity endpoint, signed with `secret`, as Slack does. */
export async function click(
  endpoint: string,
  payload: unknown,
  secret: string,
): Promise<{ status: number; ms: number }> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const started = Date.now();
  const response = await fetch(`${endpoint}/slack/actions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signSlackRequest(secret, timestamp, body),
    },
    body,
  });
  await response.text();
  return { status: response.status, ms: Date.now() - started };
}

/** A logger that keeps every info, warning and error line in `lines`. */
export function capturingLogger(lines: string[]): Logger {
  const keep = (msg: string) => void lines.push(msg);
  return { debug() {}, info: keep, warn: keep, error: keep };
}
