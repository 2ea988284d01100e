import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ChatPostMessageArguments } from '@slack/web-api';
import { z } from 'zod';

import { toolError, toolResult } from '../tool-result.js';
import type { SlackServerDeps } from './deps.js';
import { postOnce } from './post-once.js';
import { neutraliseMentions, neutraliseMentionsDeep } from '../../guards/neutralise-mentions.js';

/** Block Kit blocks as the client types them; the tool takes them as loose JSON objects. */
type SlackBlocks = Extract<ChatPostMessageArguments, { blocks: unknown }>['blocks'];

/** The structured answer of `post_message`: the post Slack confirmed, and how. */
export interface PostMessageOutput {
  ok: true;
  channel: string;
  ts: string;
  /** How many times chat.postMessage was sent (1 unless Slack was slow, rate-limited or unreachable). */
  attempts: number;
  /** `answer`: Slack's answer said so; `history`: the answer never came, the post was found in the channel. */
  confirmedBy: 'answer' | 'history';
  /** What happened on the way, one line each (a Retry-After honoured, a late answer). */
  notes: string[];
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
        '(@channel, @here, <@U…>) are made inert. text is required, also as the fallback when blocks are given. ' +
        'The message is posted at most once: after a timeout the channel history is searched for it (by ' +
        'dedupe_key) before it is sent again; a 429 is retried after its Retry-After.',
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
        dedupe_key: z
          .string()
          .max(255)
          .optional()
          .describe(
            'Marks the post (message metadata) so that a retry can find it instead of posting twice.',
          ),
      },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    async ({ text, blocks, thread_ts, channel, dedupe_key }, extra) => {
      if (channel !== undefined && channel !== deps.channel) {
        return toolError(
          `Refused: this server posts only to the configured channel ${deps.channel}, not '${channel}'. ` +
            'Nothing was posted; call again without channel.',
        );
      }
      const result = await postOnce(
        deps,
        {
          text: neutraliseMentions(text),
          ...(blocks ? { blocks: neutraliseMentionsDeep(blocks) as unknown as SlackBlocks } : {}),
          ...(thread_ts ? { thread_ts } : {}),
          link_names: false,
          unfurl_links: false,
          unfurl_media: false,
        },
        { ...(dedupe_key ? { marker: dedupe_key } : {}), signal: extra.signal },
      );
      if (!result.ok) {
        return {
          ...toolError(result.error),
          structuredContent: { error: result.error, attempts: result.attempts, notes: result.notes },
        };
      }
      const posted: PostMessageOutput = {
        ok: true,
        channel: result.channel,
        ts: result.ts,
        attempts: result.attempts,
        confirmedBy: result.confirmedBy,
        notes: result.notes,
      };
      return toolResult(`Posted to Slack channel ${posted.channel} (ts ${posted.ts}).`, posted);
    },
  );
}
