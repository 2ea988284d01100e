import { describe, expect, it } from 'vitest';
import { bedrockModelId, canonicalModelId, modelInfo, retiredModel } from '../src/llm/models.js';
import { costOf, priceOf } from '../src/llm/prices.js';

describe('model table', () => {
  it('prices Sonnet 5.5 at the published rates: input, 5-minute and 1-hour writes, reads, output', () => {
    const cost = costOf('claude-sonnet-5-5', {
      inputTokens: 1e6,
      cacheWriteTokens: 1e6,
      cacheWrite1hTokens: 1e6,
      cacheReadTokens: 1e6,
      outputTokens: 1e6,
    });
    expect(cost).toBeCloseTo(2 + 2.5 + 4 + 0.1 + 10, 6);
  });

  it('bills a Haiku 5.5 request over 100k prompt tokens at the long-prompt rates', () => {
    const short = costOf('claude-haiku-5-5', {
      inputTokens: 100_000,
      cacheWriteTokens: 0,
      cacheReadTokens: 0,
      outputTokens: 0,
    });
    const long = costOf('claude-haiku-5-5', {
      inputTokens: 100_001,
      cacheWriteTokens: 0,
      cacheReadTokens: 0,
      outputTokens: 0,
    });
    expect(short).toBeCloseTo(0.01, 6);
    expect(long as number).toBeGreaterThan(4 * (short as number));
  });

  it('recognises dated, Bedrock (with inference-profile prefixes), Vertex and -latest ids', () => {
    for (const id of [
      'claude-sonnet-5-5-20260928',
      'anthropic.claude-sonnet-5-5-v1:0',
      'global.anthropic.claude-sonnet-5-5',
      'us.anthropic.claude-sonnet-5-5-20260928-v1:0',
      'eu.anthropic.claude-sonnet-5-5',
      'apac.anthropic.claude-sonnet-5-5',
      'claude-sonnet-5-5@20260928',
      'claude-sonnet-5-5-latest',
    ]) {
      expect(canonicalModelId(id), id).toBe('claude-sonnet-5-5');
      expect(priceOf(id), id).toEqual(priceOf('claude-sonnet-5-5'));
    }
    // Sonnet 5 is its own model, not a prefix match of Sonnet 5.5.
    expect(modelInfo('claude-sonnet-5')?.price.cacheRead).toBe(0.2);
  });

  it('knows the retired ids, and gives null cost for an unknown model rather than a wrong number', () => {
    expect(retiredModel('claude-sonnet-4-5-20250929')).toBe('2026-11-30');
    expect(modelInfo('claude-sonnet-4-5')).toBeUndefined();
    expect(
      costOf('claude-imaginary-9', {
        inputTokens: 10,
        cacheWriteTokens: 0,
        cacheReadTokens: 0,
        outputTokens: 10,
      }),
    ).toBeNull();
  });

  it('maps a Claude API id to the global Bedrock inference profile and leaves Bedrock ids alone', () => {
    expect(bedrockModelId('claude-sonnet-5-5')).toBe('global.anthropic.claude-sonnet-5-5');
    expect(bedrockModelId('eu.anthropic.claude-sonnet-5-5')).toBe('eu.anthropic.claude-sonnet-5-5');
    expect(bedrockModelId('anthropic.claude-haiku-4-5-20251001-v1:0')).toBe(
      'anthropic.claude-haiku-4-5-20251001-v1:0',
    );
  });
});
