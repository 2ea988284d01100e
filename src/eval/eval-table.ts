import type { Report } from '../report/schema.js';
import type { Score } from './score.js';

export interface EvalResult {
  scenario: string;
  service: string;
  score: Score;
  report: Report | null;
  /** A run that could not produce a report at all. */
  error?: string;
  durationMs: number;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The eval table: scenario, pass or fail and why, duration, tool calls, tokens, cost; then the totals line. */
export function formatEvalTable(results: EvalResult[]): string {
  const width = Math.max(8, ...results.map((r) => r.scenario.length));
  const lines = [`${pad('scenario', width)}  result  ${pad('time', 7)} tools  tokens    cost     engine`];
  for (const r of results) {
    const u = r.report?.usage;
    const tokens = u ? u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens + u.outputTokens : 0;
    const cost = u?.costUsd === null || u === undefined ? 'n/a' : `$${u.costUsd.toFixed(4)}`;
    lines.push(
      `${pad(r.scenario, width)}  ${r.score.pass ? 'PASS  ' : 'FAIL  '}  ${pad(`${(r.durationMs / 1000).toFixed(1)}s`, 7)} ${pad(String(u?.toolCalls ?? 0), 6)} ${pad(String(tokens), 9)} ${pad(cost, 8)} ${r.report?.engine ?? '-'}`,
    );
    for (const why of r.error ? [r.error] : r.score.failures) lines.push(`${' '.repeat(width)}    ↳ ${why}`);
  }
  const passed = results.filter((r) => r.score.pass).length;
  lines.push('', `${passed} passed, ${results.length - passed} failed`);
  return lines.join('\n');
}
