import { UsageError } from '../errors/errors.js';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The largest delay a Node timer takes (about 24.8 days); anything longer fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** `90s`, `5m`, `1h`, `250ms`: the shortest exact way to say a number of milliseconds. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * Parse `90s`, `5m`, `1m30s`, `250ms` or a bare number of seconds into milliseconds. `what` names
 * the flag or field in the error. Zero, negative and absurd values are usage errors, as is a value
 * outside `bounds` when given: a bad duration must stop the command, not become a timer that
 * fires at once (Node treats delays past 2^31-1 ms as 1 ms).
 */
export function parseDuration(
  value: string | number,
  what: string,
  bounds: { minMs?: number; maxMs?: number } = {},
): number {
  const ms = parseRaw(value, what);
  if (!(ms > 0)) throw new UsageError(`${what}: the duration must be positive, got '${value}'`);
  const min = bounds.minMs ?? 1;
  const max = Math.min(bounds.maxMs ?? MAX_TIMER_MS, MAX_TIMER_MS);
  if (ms < min || ms > max) {
    throw new UsageError(
      `${what}: '${value}' is out of range; use a duration between ${formatDuration(min)} and ${formatDuration(max)}`,
    );
  }
  return ms;
}

function parseRaw(value: string | number, what: string): number {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.round(value * 1000) : Number.NaN;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new UsageError(`${what}: '${value}' is not a duration; use e.g. 90s, 5m or 1m30s`);
  }
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] as string] ?? 0), 0));
}
