import type { WebClient } from '@slack/web-api';

/** What the Slack server needs: the chat methods of a WebClient and the one channel it may post to. */
export interface SlackServerDeps {
  client: Pick<WebClient, 'chat'>;
  /** The configured channel id; the only place posts go. */
  channel: string;
}
