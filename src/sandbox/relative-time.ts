const unitSeconds: Record<string, number> = {
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86_400,
  day: 86_400,
  days: 86_400,
  w: 604_800,
  week: 604_800,
  weeks: 604_800,
};

// `-3h`, `3h ago`, `-90 minutes`, `2 days ago`: a sign or `ago` says the time is in the past.
const relativePattern = /^(-)?\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*(ago)?$/i;

/**
 * Resolve a commit date written as ISO 8601 or relative to the scenario's clock (`-3h`,
 * `2d ago`, `45m ago`) into an ISO string. Returns undefined when the text is neither.
 */
export function resolveScenarioDate(text: string, now: Date): string | undefined {
  const trimmed = text.trim();
  const match = relativePattern.exec(trimmed);
  if (match) {
    const [, minus, amount, unit, ago] = match;
    const seconds = unitSeconds[(unit ?? '').toLowerCase()];
    if (seconds === undefined || (!minus && !ago)) return undefined;
    return new Date(now.getTime() - Number(amount) * seconds * 1000).toISOString();
  }
  // Absolute times must say their zone: a bare local time would differ between machines.
  if (!/^\d{4}-\d{2}-\d{2}(T|\s)\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed)) {
    return undefined;
  }
  const parsed = Date.parse(trimmed.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
}
