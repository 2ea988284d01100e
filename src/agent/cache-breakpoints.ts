import type Anthropic from '@anthropic-ai/sdk';

type Tool = Anthropic.Messages.Tool;
type MessageParam = Anthropic.Messages.MessageParam;
type TextBlock = Anthropic.Messages.TextBlockParam;

const EPHEMERAL = { type: 'ephemeral' } as const;

/**
 * Prompt-cache breakpoints (at most four): the last tool, the system prompt, and the last block of
 * the two newest user messages. The older of the two is where the previous request's prefix
 * ended, so it is always found again, however many blocks the last turn added.
 */
export function withCacheBreakpoints(
  tools: Tool[],
  system: string,
  messages: MessageParam[],
  enabled: boolean,
): { tools: Tool[]; system: TextBlock[]; messages: MessageParam[] } {
  if (!enabled) return { tools, system: [{ type: 'text', text: system }], messages };
  const lastTool = tools.length - 1;
  const userIndexes = messages.flatMap((m, i) => (m.role === 'user' ? [i] : [])).slice(-2);
  return {
    tools: tools.map((t, i) => (i === lastTool ? { ...t, cache_control: EPHEMERAL } : t)),
    system: [{ type: 'text', text: system, cache_control: EPHEMERAL }],
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
