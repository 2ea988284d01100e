import { UsageError } from '../errors/errors.js';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parse `90s`, `5m`, `1m30s`, `250ms` or a bare number of seconds into milliseconds.
 * `what` names the flag or field in the error.
 */
export function parseDuration(value: string | number, what: string): number {
  if (typeof value === 'number') return value * 1000;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new UsageError(`${what}: '${value}' is not a duration; use e.g. 90s, 5m or 1m30s`);
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] as string] ?? 0), 0);
  if (ms <= 0) throw new UsageError(`${what}: the duration must be positive`);
  return Math.round(ms);
}
