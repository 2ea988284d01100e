import { modelInfo, type ModelPrice } from './models.js';

export type { ModelPrice } from './models.js';

/**
 * The price of a model id in any spelling (dated, Bedrock, Vertex, `-latest`). Undefined when
 * unknown: a wrong cost is worse than none.
 */
export function priceOf(model: string): ModelPrice | undefined {
  return modelInfo(model)?.price;
}

export interface TokenCounts {
  inputTokens: number;
  /** 5-minute cache writes. */
  cacheWriteTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  /** 1-hour cache writes, billed at their own rate. */
  cacheWrite1hTokens?: number;
}

/**
 * Cost in USD of one request's token counts, or null when the model's price is unknown. Haiku 5.5
 * bills a request whose whole prompt (input, cache reads and writes) passes 100k tokens at its
 * long-prompt rates, so cost is summed request by request, never from run totals.
 */
export function costOf(model: string, t: TokenCounts): number | null {
  const info = modelInfo(model);
  if (!info) return null;
  const prompt = t.inputTokens + t.cacheWriteTokens + t.cacheReadTokens + (t.cacheWrite1hTokens ?? 0);
  const p =
    info.longPrice && info.longPromptAbove !== undefined && prompt > info.longPromptAbove
      ? info.longPrice
      : info.price;
  const usd =
    (t.inputTokens * p.input +
      t.cacheWriteTokens * p.cacheWrite +
      (t.cacheWrite1hTokens ?? 0) * p.cacheWrite1h +
      t.cacheReadTokens * p.cacheRead +
      t.outputTokens * p.output) /
    1e6;
  return Math.round(usd * 1e6) / 1e6;
}
