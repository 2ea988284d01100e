import { describe, expect, it } from 'vitest';
import { budgetOutput } from '../src/mcp/output-budget.js';

function noisyLog(): string {
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const t = `2026-11-20T13:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`;
    lines.push(`${t} info: GET /product/${i % 17} 200 in ${i % 40}ms`);
    if (i % 500 === 250) {
      lines.push(`${t} error: payment declined for order ${i}: card validator rejected a valid card`);
      lines.push(`   at charge (/app/charge.js:${40 + (i % 3)}:7)`);
    }
    if (i === 1200) lines.push(`${t} warn: connection pool exhausted, waiting`);
    if (i === 2900) lines.push(`${t} error: ECONNREFUSED redis-cart:6379`);
  }
  return lines.join('\n');
}

describe('tool output budget', () => {
  it('leaves a short result alone', () => {
    expect(budgetOutput('one\ntwo', 1000)).toEqual({ text: 'one\ntwo', reduced: false });
  });

  it('reduces a long log to head, tail and every distinct error and warning, with counts and a note on how to narrow', () => {
    const log = noisyLog();
    const { text, reduced } = budgetOutput(log, 32_000);
    expect(reduced).toBe(true);
    expect(text.length).toBeLessThan(log.length / 10);
    expect(text).toContain('card validator rejected a valid card');
    expect(text).toMatch(/×6 similar lines/);
    expect(text).toContain('at charge (/app/charge.js');
    expect(text).toContain('connection pool exhausted');
    expect(text).toContain('ECONNREFUSED redis-cart:6379');
    expect(text).toContain(log.split('\n')[0]);
    expect(text).toContain(log.split('\n').at(-1));
    expect(text).toMatch(/lines omitted/);
    expect(text).toMatch(/narrow the query/);
  });

  it('cuts a long non-log result at the budget and says how to see the rest', () => {
    const json = JSON.stringify({ items: Array.from({ length: 5000 }, (_, i) => ({ name: `item-${i}` })) });
    const { text, reduced } = budgetOutput(json, 2000);
    expect(reduced).toBe(true);
    expect(text.length).toBeLessThanOrEqual(2000);
    expect(text).toMatch(/output cut at 2000 of \d+ characters; narrow the query/);
  });
});
