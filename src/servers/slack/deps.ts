import type { WebClient } from '@slack/web-api';

/** What the Slack server needs: the chat and history methods of a WebClient and the one channel it may post to. */
export interface SlackServerDeps {
  client: Pick<WebClient, 'chat' | 'conversations'>;
  /** The configured channel id; the only place posts go. */
  channel: string;
  /** The WebClient's per-request timeout, for budgeting retries (default 10 s). */
  requestTimeoutMs?: number;
  /** How long one post may take, retries and waits included (default 25 s). */
  budgetMs?: number;
}
