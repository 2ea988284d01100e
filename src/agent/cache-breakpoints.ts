import type Anthropic from '@anthropic-ai/sdk';
import type { PromptCacheTtl } from '../llm/models.js';

type Tool = Anthropic.Messages.Tool;
type MessageParam = Anthropic.Messages.MessageParam;
type TextBlock = Anthropic.Messages.TextBlockParam;

const EPHEMERAL = { type: 'ephemeral' } as const;

/**
 * Prompt-cache breakpoints (at most four): the last tool, the system prompt, and the last block of
 * the two newest user messages. The older of the two is where the previous request's prefix
 * ended, so it is always found again, however many blocks the last turn added.
 *
 * With `prefixTtl: '1h'` the tools and system prompt, which every incident shares, are written for
 * an hour (at 2× the input price instead of 1.25×); the conversation, which no other incident
 * reads, stays at five minutes. Longer lifetimes must come first in the prompt, and they do.
 */
export function withCacheBreakpoints(
  tools: Tool[],
  system: string,
  messages: MessageParam[],
  enabled: boolean,
  prefixTtl: PromptCacheTtl = '5m',
): { tools: Tool[]; system: TextBlock[]; messages: MessageParam[] } {
  if (!enabled) return { tools, system: [{ type: 'text', text: system }], messages };
  const PREFIX = prefixTtl === '1h' ? ({ type: 'ephemeral', ttl: '1h' } as const) : EPHEMERAL;
  const lastTool = tools.length - 1;
  const userIndexes = messages.flatMap((m, i) => (m.role === 'user' ? [i] : [])).slice(-2);
  return {
    tools: tools.map((t, i) => (i === lastTool ? { ...t, cache_control: PREFIX } : t)),
    system: [{ type: 'text', text: system, cache_control: PREFIX }],
    messages: messages.map((m, i) => {
      if (!userIndexes.includes(i)) return m;
      const content: Anthropic.Messages.ContentBlockParam[] =
        typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : [...m.content];
      const last = content.length - 1;
      return {
        ...m,
        content: content.map((b, j) => (j === last ? ({ ...b, cache_control: EPHEMERAL } as typeof b) : b)),
      } as MessageParam;
    }),
  };
}
