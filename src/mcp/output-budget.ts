import { normaliseMessage, parseLogLine } from '../util/log-lines.js';

/** About 8k tokens at ~4 characters a token. */
export const DEFAULT_OUTPUT_BUDGET_CHARS = 32_000;

const HEAD_LINES = 5;
const TAIL_LINES = 10;
const CONTEXT_AFTER = 3;
const LOG_REDUCE_MIN_LINES = 60;

export interface Budgeted {
  text: string;
  reduced: boolean;
}

function isNoteworthy(line: string): boolean {
  const parsed = parseLogLine(line);
  return (
    parsed.level === 'error' ||
    parsed.level === 'warn' ||
    /exception|traceback|panic:|fatal|\berror\b/i.test(line)
  );
}

/**
 * Reduce a log to what a diagnosis needs: the head, the tail, the first occurrence of every
 * distinct error or warning with a few lines after it (its stack), and counts for repeats.
 */
export function reduceLog(text: string, maxChars: number): string {
  const lines = text.split('\n');
  const keep = new Set<number>();
  for (let i = 0; i < Math.min(HEAD_LINES, lines.length); i++) keep.add(i);
  for (let i = Math.max(0, lines.length - TAIL_LINES); i < lines.length; i++) keep.add(i);
  const seen = new Map<string, { first: number; count: number }>();
  lines.forEach((line, i) => {
    if (!isNoteworthy(line)) return;
    const key = normaliseMessage(parseLogLine(line).text);
    const entry = seen.get(key);
    if (entry) {
      entry.count += 1;
      return;
    }
    seen.set(key, { first: i, count: 1 });
    for (let j = i; j <= i + CONTEXT_AFTER && j < lines.length; j++) keep.add(j);
  });
  const repeats = new Map<number, number>();
  for (const { first, count } of seen.values()) if (count > 1) repeats.set(first, count);

  const out: string[] = [];
  let skipped = 0;
  lines.forEach((line, i) => {
    if (!keep.has(i)) {
      skipped += 1;
      return;
    }
    if (skipped) out.push(`[… ${skipped} lines omitted …]`);
    skipped = 0;
    const count = repeats.get(i);
    // The count goes on its own line: appended, it would break a JSON log line.
    out.push(line);
    if (count) out.push(`[↑ ×${count} similar lines in this output]`);
  });
  if (skipped) out.push(`[… ${skipped} lines omitted …]`);
  const note =
    `[sre-agent: log reduced from ${lines.length} to ${out.length} lines: head, tail and the first occurrence of each of ` +
    `${seen.size} distinct error/warning lines with ${CONTEXT_AFTER} lines after it, repeats counted. ` +
    'To see more, narrow the query: fewer tailLines, sinceSeconds, one container, or previous=true.]';
  return truncate([note, ...out].join('\n'), maxChars);
}

function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const marker = `\n[sre-agent: output cut at ${maxChars} of ${text.length} characters; narrow the query (a line window, a path, a filter) to see the rest.]`;
  return text.slice(0, maxChars - marker.length) + marker;
}

/** A text is log-like when many of its lines carry a timestamp or a level. */
function looksLikeLog(lines: string[]): boolean {
  const sample = lines.slice(0, 400);
  const marked = sample.filter((l) => {
    const p = parseLogLine(l);
    return p.time !== undefined || p.level !== undefined;
  }).length;
  return marked >= sample.length * 0.3;
}

/**
 * Bound one tool result for the model. Long logs are always reduced (most of a log is healthy
 * noise that costs tokens); anything else is cut at the budget with a note.
 */
export function budgetOutput(text: string, maxChars: number = DEFAULT_OUTPUT_BUDGET_CHARS): Budgeted {
  const lines = text.split('\n');
  if (lines.length > LOG_REDUCE_MIN_LINES && looksLikeLog(lines))
    return { text: reduceLog(text, maxChars), reduced: true };
  if (text.length <= maxChars) return { text, reduced: false };
  return { text: truncate(text, maxChars), reduced: true };
}
