import { modelInfo } from '../llm/models.js';

/** Context window assumed for a model this build does not know. */
const UNKNOWN_WINDOW = 200_000;
/** Stop asking for more once the next prompt would pass this share of the window. */
const SAFE_FRACTION = 0.7;
/** A conservative characters-per-token ratio for JSON and logs (English prose is about 4). */
const CHARS_PER_TOKEN = 3;

/**
 * Tracks the prompt's size from each response's usage, so that the request that would overflow
 * the context window (a 400 "prompt is too long") is never sent: the turn before it becomes the
 * final one instead.
 */
export class ContextGuard {
  private promptTokens = 0;
  readonly limit: number;

  constructor(model: string, maxOutputTokens: number, windowOverride?: number) {
    const window = windowOverride ?? modelInfo(model)?.contextWindow ?? UNKNOWN_WINDOW;
    this.limit = Math.floor(window * SAFE_FRACTION) - maxOutputTokens;
  }

  /** After a response: the prompt it read (uncached, cache reads and writes) plus what it wrote. */
  observe(usage: {
    input_tokens: number;
    cache_read_input_tokens?: number | null;
    cache_creation_input_tokens?: number | null;
    output_tokens: number;
  }): void {
    this.promptTokens =
      usage.input_tokens +
      (usage.cache_read_input_tokens ?? 0) +
      (usage.cache_creation_input_tokens ?? 0) +
      usage.output_tokens;
  }

  /** The size of the next prompt once `addedChars` of tool results are appended. */
  nextPromptTokens(addedChars: number): number {
    return this.promptTokens + Math.ceil(addedChars / CHARS_PER_TOKEN);
  }

  /** True when the next request should be the last one. */
  nearlyFull(addedChars: number): boolean {
    return this.nextPromptTokens(addedChars) > this.limit;
  }
}
