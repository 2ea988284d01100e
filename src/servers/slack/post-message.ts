import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ChatPostMessageArguments } from '@slack/web-api';
import { z } from 'zod';

import { errorMessage } from '../../errors/errors.js';
import { toolError, toolResult } from '../tool-result.js';
import type { SlackServerDeps } from './deps.js';
import { neutraliseMentions, neutraliseMentionsDeep } from '../../guards/neutralise-mentions.js';

/** Block Kit blocks as the client types them; the tool takes them as loose JSON objects. */
type SlackBlocks = Extract<ChatPostMessageArguments, { blocks: unknown }>['blocks'];

/** The structured answer of `post_message`: the post Slack confirmed. */
export interface PostMessageOutput {
  ok: true;
  channel: string;
  ts: string;
}

/** Registers `post_message`: the one write of the bundled servers, pinned to the configured channel. */
export function registerPostMessageTool(server: McpServer, deps: SlackServerDeps): void {
  server.registerTool(
    'post_message',
    {
      title: 'Post a Slack message',
      description:
        `Posts a message to the configured Slack channel (${deps.channel}) and returns {ok, channel, ts}. ` +
        'Only that channel is allowed: naming another is refused. Broadcast and user mentions ' +
        '(@channel, @here, <@U…>) are made inert. text is required, also as the fallback when blocks are given.',
      inputSchema: {
        text: z
          .string()
          .min(1)
          .describe('Message text (Slack mrkdwn); also the notification fallback for blocks.'),
        blocks: z
          .array(z.record(z.string(), z.unknown()))
          .max(50)
          .optional()
          .describe('Optional Block Kit blocks (at most 50), e.g. [{"type":"section","text":{...}}].'),
        thread_ts: z.string().optional().describe('ts of a message in the channel to reply in its thread.'),
        channel: z
          .string()
          .optional()
          .describe(`Channel id; may be omitted. Anything other than ${deps.channel} is refused.`),
      },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    async ({ text, blocks, thread_ts, channel }) => {
      if (channel !== undefined && channel !== deps.channel) {
        return toolError(
          `Refused: this server posts only to the configured channel ${deps.channel}, not '${channel}'. ` +
            'Nothing was posted; call again without channel.',
        );
      }
      try {
        const response = await deps.client.chat.postMessage({
          channel: deps.channel,
          text: neutraliseMentions(text),
          ...(blocks ? { blocks: neutraliseMentionsDeep(blocks) as unknown as SlackBlocks } : {}),
          ...(thread_ts ? { thread_ts } : {}),
          link_names: false,
          unfurl_links: false,
          unfurl_media: false,
        });
        // A client configured not to throw still reports failure as ok:false with HTTP 200.
        if (response.ok !== true || !response.ts) {
          return toolError(`Slack did not confirm the post: ${response.error ?? 'no ts in the answer'}.`);
        }
        const posted: PostMessageOutput = {
          ok: true,
          channel: response.channel ?? deps.channel,
          ts: response.ts,
        };
        return toolResult(`Posted to Slack channel ${posted.channel} (ts ${posted.ts}).`, posted);
      } catch (error) {
        return toolError(describeSlackError(error));
      }
    },
  );
}

/** The WebClient throws on `ok:false`; its `data.error` code (`channel_not_found`, …) is what matters. */
function describeSlackError(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const data = 'data' in error ? (error.data as { error?: unknown } | undefined) : undefined;
    if (error.code === 'slack_webapi_platform_error' && typeof data?.error === 'string') {
      return `Slack refused the post: ${data.error}. Nothing was posted.`;
    }
    if (error.code === 'slack_webapi_rate_limited_error')
      return 'Slack rate-limited the post; nothing was posted.';
  }
  return `Slack API unreachable, nothing was posted: ${errorMessage(error)}`;
}
