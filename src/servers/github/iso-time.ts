/** A date (`2026-11-19`) or date-time with a zone (`2026-11-19T08:00:00+01:00`, `…Z`). */
const isoPattern = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO 8601 moment as GitHub wants it (UTC, whole seconds, `Z`), or undefined when the text is not
 * one. A date alone means its start in UTC; a date-time without a zone is read as UTC too, so the
 * answer never depends on the machine's time zone.
 */
export function toGitHubTime(text: string): string | undefined {
  const trimmed = text.trim();
  if (!isoPattern.test(trimmed)) return undefined;
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(trimmed);
  const withTime = trimmed.length === 10 ? `${trimmed}T00:00:00` : trimmed.replace(' ', 'T');
  const time = Date.parse(hasZone ? withTime : `${withTime}Z`);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** ISO 8601 in the form GitHub writes it (`…:37Z`), whatever precision the API answered with. */
export function wholeSeconds(date: string): string {
  const time = Date.parse(date);
  return Number.isNaN(time) ? date : new Date(time).toISOString().replace('.000Z', 'Z');
}
