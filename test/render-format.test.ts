import { describe, expect, it } from 'vitest';

import { formatCount, plural } from '../src/report/render-format.js';

describe('formatCount', () => {
  it('separates thousands with commas, as en-US does, whatever the machine locale', () => {
    for (const n of [0, 7, 999, 1000, 1234, 12_345, 999_999.6, 1_234_567, -1234, 1234.4]) {
      expect(formatCount(n)).toBe(Math.round(n).toLocaleString('en-US'));
    }
    expect(formatCount(1_234_567)).toBe('1,234,567');
  });

  it('still says something readable for values that are not counts', () => {
    expect(formatCount(Number.NaN)).toBe('NaN');
    expect(formatCount(Number.POSITIVE_INFINITY)).toBe('∞');
    expect(formatCount(-0.2)).toBe('0');
  });

  it('pluralises with the count', () => {
    expect(plural(1, 'tool call')).toBe('1 tool call');
    expect(plural(1400, 'tool call')).toBe('1,400 tool calls');
  });
});
