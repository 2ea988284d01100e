/** US dollars per million tokens. */
export interface ModelPrice {
  input: number;
  cacheWrite: number;
  cacheRead: number;
  output: number;
}

// Published list prices; cache writes (5-minute TTL) cost 1.25× input, reads 0.1×.
const PRICES: Record<string, ModelPrice> = {
  'claude-opus-4-5': { input: 5, cacheWrite: 6.25, cacheRead: 0.5, output: 25 },
  'claude-opus-4-1': { input: 15, cacheWrite: 18.75, cacheRead: 1.5, output: 75 },
  'claude-opus-4': { input: 15, cacheWrite: 18.75, cacheRead: 1.5, output: 75 },
  'claude-sonnet-4-5': { input: 3, cacheWrite: 3.75, cacheRead: 0.3, output: 15 },
  'claude-sonnet-4': { input: 3, cacheWrite: 3.75, cacheRead: 0.3, output: 15 },
  'claude-3-7-sonnet': { input: 3, cacheWrite: 3.75, cacheRead: 0.3, output: 15 },
  'claude-haiku-4-5': { input: 1, cacheWrite: 1.25, cacheRead: 0.1, output: 5 },
  'claude-3-5-haiku': { input: 0.8, cacheWrite: 1, cacheRead: 0.08, output: 4 },
};

/**
 * The price of a model id, tolerant of dated ids (`claude-sonnet-4-5-20250929`), Bedrock ids
 * (`anthropic.claude-sonnet-4-5-20250929-v1:0`, `us.anthropic…`) and `-latest` aliases.
 * Undefined when unknown: a wrong cost is worse than none.
 */
export function priceOf(model: string): ModelPrice | undefined {
  const id = model
    .replace(/^(?:[a-z]{2}\.)?anthropic\./, '')
    .replace(/-v\d+:\d+$/, '')
    .replace(/-(?:\d{8}|latest)$/, '');
  return PRICES[id];
}

export interface TokenCounts {
  inputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
}

/** Cost in USD of the given token counts, or null when the model's price is unknown. */
export function costOf(model: string, t: TokenCounts): number | null {
  const p = priceOf(model);
  if (!p) return null;
  const usd =
    (t.inputTokens * p.input +
      t.cacheWriteTokens * p.cacheWrite +
      t.cacheReadTokens * p.cacheRead +
      t.outputTokens * p.output) /
    1e6;
  return Math.round(usd * 1e6) / 1e6;
}
