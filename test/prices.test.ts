import { describe, expect, it } from 'vitest';
import { costOf, priceOf } from '../src/llm/prices.js';

describe('price table', () => {
  it('prices input, cache writes, cache reads and output separately', () => {
    const cost = costOf('claude-sonnet-4-5', {
      inputTokens: 1e6,
      cacheWriteTokens: 1e6,
      cacheReadTokens: 1e6,
      outputTokens: 1e6,
    });
    expect(cost).toBeCloseTo(3 + 3.75 + 0.3 + 15, 6);
  });

  it('recognises dated, Bedrock and -latest ids', () => {
    expect(priceOf('claude-sonnet-4-5-20250929')).toEqual(priceOf('claude-sonnet-4-5'));
    expect(priceOf('us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual(priceOf('claude-sonnet-4-5'));
    expect(priceOf('claude-3-5-haiku-latest')).toBeDefined();
  });

  it('gives null for an unknown model rather than a wrong number', () => {
    expect(
      costOf('claude-imaginary-9', {
        inputTokens: 10,
        cacheWriteTokens: 0,
        cacheReadTokens: 0,
        outputTokens: 10,
      }),
    ).toBeNull();
  });
});
