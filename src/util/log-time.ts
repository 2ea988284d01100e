/**
 * Log timestamps as ISO 8601, so that they compare with the clock: runtimes print the same instant
 * many ways — `2026-12-03T05:58:14.259Z`, Python logging's `2026-12-03 05:58:14,259`, Go's
 * `2026/12/03 05:58:14`, gunicorn's `[2026-12-03 05:58:14 +0000]`, and access logs' Common Log
 * Format `[03/Dec/2026:05:58:14 +0000]` after the client's address.
 *
 * A time printed without a zone is taken as UTC: containers run in UTC unless their image or pod
 * sets TZ, and reading it in the zone of whatever host runs the agent would be wrong everywhere.
 */

/** A leading timestamp, optionally bracketed, with an optional zone (`Z`, `+01:00`, ` +0000`, ` UTC`). */
const LEADING =
  /^\[?(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d+))?(\s?(?:Z|[+-]\d{2}:?\d{2})|\s(?:UTC|GMT))?\]?\s*/;
/** Common Log Format, anywhere in the line: `[03/Dec/2026:11:00:57 +0000]`. */
const CLF = /\[(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s([+-]\d{2})(\d{2})\]/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function zone(raw: string | undefined): string {
  const z = (raw ?? '').trim();
  if (!z || z === 'UTC' || z === 'GMT') return 'Z';
  if (z === 'Z') return 'Z';
  return z.includes(':') ? z : `${z.slice(0, 3)}:${z.slice(3)}`;
}

/** The timestamp a line starts with, as ISO 8601, and the line after it; null when none. */
export function leadingTime(line: string): { time: string; rest: string } | null {
  const m = line.match(LEADING);
  if (!m) return null;
  const fraction = m[5] ? `.${m[5]}` : '';
  return {
    time: `${m[1]}-${m[2]}-${m[3]}T${m[4]}${fraction}${zone(m[6])}`,
    rest: line.slice(m[0].length),
  };
}

/** A Common Log Format time inside an access-log line, as ISO 8601; undefined when none. */
export function accessLogTime(line: string): string | undefined {
  const m = line.match(CLF);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2] as string) + 1;
  if (!month) return undefined;
  const fraction = m[5] ? `.${m[5]}` : '';
  return `${m[3]}-${String(month).padStart(2, '0')}-${m[1]}T${m[4]}${fraction}${zone(`${m[6]}${m[7]}`)}`;
}

/**
 * A time value from a structured field as ISO 8601 when it is in one of the shapes above (text
 * already in ISO form with a zone is kept as it was written).
 */
export function isoTime(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.test(value)) return value;
  return leadingTime(value)?.time ?? accessLogTime(value) ?? value;
}
