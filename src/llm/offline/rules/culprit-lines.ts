/**
 * Finding the line a change wrote: the values a Kubernetes cause or a failure message names, and
 * where a patch added, removed or changed a line that holds them.
 */

/**
 * The specific values a failure message names, for finding the line that introduced them: quoted
 * names and identifiers that carry a digit (`0042_add_currency`, `v2-ledger`), not prose.
 */
export function valueTokens(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/['"`]([^'"`\s]{3,60})['"`]/g)) found.add(m[1] as string);
  for (const m of text.matchAll(/(?<![\w.:/-])([A-Za-z0-9][\w.-]{3,60})(?![\w-])/g)) {
    const t = (m[1] as string).replace(/[.]+$/, '');
    // An id mixes letters, digits and separators; a bare number, a time or an address is not one.
    if (/\d/.test(t) && /[A-Za-z]/.test(t) && /[_-]/.test(t) && !/^\d{4}-\d\d-\d\d/.test(t)) found.add(t);
  }
  return [...found].slice(0, 6);
}

/** Whether a diff line's text holds a culprit value: a bare number only as a whole number (`8081`, not `18081`). */
function holds(text: string, value: string): boolean {
  if (/^\d+$/.test(value)) return new RegExp(`(?<![\\w.])${value}(?![\\w])`).test(text);
  // A short value (`5m`, `300m`) counts only as a whole word: `15m` or `5min` is another value.
  if (value.length <= 5 && /^[\w.]+$/.test(value))
    return new RegExp(`(?<![\\w.])${value.replace(/\./g, '\\.')}(?![\\w])`).test(text);
  return text.includes(value);
}

/** How a patch points at a culprit value: the lines that carry it and how directly. */
export interface CulpritHit {
  /** 12: a line added with the value; 8: a line removed with it; 5: a change in the value's own block. */
  score: number;
  lines: string[];
}

/**
 * Where a patch touched the values a Kubernetes cause names (a class name, a probe port, a role, a
 * `suspend: true`): an added line holding one is the change that introduced it; a removed one, the
 * change that took it away; a change a few lines from one (same hunk), a change to its block — a
 * verb dropped from the rule of the named resource.
 */
export function culpritLines(patch: string, values: readonly string[]): CulpritHit {
  const wanted = values.map((v) => v.trim()).filter((v) => v.length >= 2);
  const lines = patch.split('\n');
  const changed = (l: string) => /^[+-](?![+-]{2})/.test(l) && l.slice(1).trim() !== '';
  const comment = (l: string) => /^(#|\/\/|\/\*|\*|--)/.test(l.slice(1).trim());
  const hit = (l: string) => wanted.some((v) => holds(l.slice(1), v));
  let score = 0;
  const found: { i: number; score: number }[] = [];
  let hunkStart = 0;
  lines.forEach((line, i) => {
    if (line.startsWith('@@')) hunkStart = i;
    if (!changed(line) || comment(line)) return;
    let s = 0;
    if (hit(line)) s = line.startsWith('+') ? 12 : 8;
    else {
      for (let j = Math.max(hunkStart, i - 4); j <= i + 4 && j < lines.length; j++) {
        if (j !== i && !(lines[j] ?? '').startsWith('@@') && hit(lines[j] ?? '')) s = 5;
        if (j > i && (lines[j] ?? '').startsWith('@@')) break;
      }
    }
    if (!s) return;
    score = Math.max(score, s);
    found.push({ i, score: s });
  });
  const picked = new Set(
    found
      .filter((f) => f.score === score)
      .slice(0, 2)
      .map((f) => f.i),
  );
  // An added value reads best beside the value it replaced.
  for (const i of [...picked]) {
    const step = lines[i]?.startsWith('+') ? -1 : 1;
    let j = i + step;
    // A comment added with the value sits between the two.
    while ((lines[j] ?? '').startsWith('+') && comment(lines[j] ?? '')) j += step;
    const other = lines[j] ?? '';
    if (other.startsWith(step === -1 ? '-' : '+') && changed(other) && !comment(other)) picked.add(j);
  }
  return {
    score,
    lines: [...picked]
      .sort((a, b) => a - b)
      .slice(0, 4)
      .map((i) => lines[i] as string),
  };
}

const COMMON_DIRS = new Set([
  'local',
  'share',
  'config',
  'configs',
  'lib64',
  'static',
  'build',
  'usr',
  'data',
]);
const COMMON = new Set([
  'ERROR',
  'WARN',
  'INFO',
  'HTTP',
  'GRPC',
  'JSON',
  'POST',
  'GET',
  'PUT',
  'NULL',
  'TRUE',
  'FALSE',
  'UTF',
  'API',
  'URL',
  'ID',
  'TCP',
  'UDP',
  'DNS',
]);

/** Values an error message names that a change could have introduced: quoted strings, codes, ids. */
export function errorTokens(text: string): string[] {
  const tokens = new Set<string>();
  for (const m of text.matchAll(/['"`]([^'"`\s]{2,40})['"`]/g)) tokens.add(m[1] as string);
  for (const m of text.matchAll(/\b([A-Z]{3,5})\b/g))
    if (!COMMON.has(m[1] as string)) tokens.add(m[1] as string);
  for (const m of text.matchAll(/\b(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{6,24}\b/g))
    tokens.add(m[0]);
  // Configuration words a manifest change would contain: ENV_NAMES, quantities, image tags.
  for (const m of text.matchAll(/\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b/g)) tokens.add(m[1] as string);
  for (const m of text.matchAll(/\b(\d+(?:\.\d+)?(?:Mi|Gi|Ki|m))\b/g)) tokens.add(m[1] as string);
  for (const m of text.matchAll(/[\w.-]+\/[\w./-]+:([\w][\w.-]{1,60})/g)) {
    tokens.add(`:${m[1] as string}`);
    if (/\d/.test(m[1] as string) && (m[1] as string).length >= 4) tokens.add(m[1] as string);
  }
  // File names an error mentions (`open /etc/catalog/products.json`): a manifest may mount or rename them.
  for (const m of text.matchAll(/\b([\w-]+\.(?:json|ya?ml|conf|cfg|ini|toml|properties|xml|csv|env|pem))\b/g))
    tokens.add(m[1] as string);
  // The directory of a missing file (`/etc/catalog/products.json` → `catalog`): a mount a manifest change may have altered.
  for (const m of text.matchAll(/(?:^|[\s'"(])\/(?:[\w.-]+\/)*([\w-]{5,})\/[\w.-]+\.\w+/g)) {
    if (!COMMON_DIRS.has(m[1] as string)) tokens.add(`${m[1] as string}/`);
  }
  // Host names a config change would carry (`paymentservice.payments.svc.cluster.local`).
  for (const m of text.matchAll(/\b([a-z][a-z0-9-]+(?:\.[a-z0-9-]+){1,5})(?::\d{2,5})?\b/g)) {
    if ((m[1] as string).length >= 12 && !/\.(js|py|go|cs|java|ts|json|ya?ml|log)$/.test(m[1] as string))
      tokens.add(m[1] as string);
  }
  // Addresses a config change points at (`10.91.0.12`), and manifest field names (`activeDeadlineSeconds`).
  for (const m of text.matchAll(/\b(\d{1,3}(?:\.\d{1,3}){3})\b/g)) tokens.add(m[1] as string);
  for (const m of text.matchAll(/\b([a-z]+(?:[A-Z][a-z]+){1,4})\b/g))
    if ((m[1] as string).length >= 8) tokens.add(m[1] as string);
  return [...tokens].slice(0, 24);
}

/**
 * The changed lines (+/-) of a patch that matter: those that hold the failing code or its guard
 * (`focus`) first, then those that mention what the error names (`tokens`); a removed line comes
 * with the line that replaced it. In patch order, at most four.
 */
export function changedLines(
  patch: string,
  tokens: readonly string[],
  focus: readonly string[] = [],
): string[] {
  const lines = patch.split('\n');
  const changed = (i: number) => /^[+-](?![+-]{2})/.test(lines[i] ?? '');
  const wanted = focus.map((f) => f.trim()).filter((f) => f.length >= 4);
  const scored: { i: number; score: number }[] = [];
  lines.forEach((line, i) => {
    if (!changed(i)) return;
    const body = line.slice(1).trim();
    if (!body) return;
    let score = 0;
    if (wanted.some((f) => body.includes(f) || (body.length >= 10 && f.includes(body)))) score += 10;
    // A comment explains a change; it is not the change.
    else if (/^(#|\/\/|\/\*|\*|--)/.test(body)) return;
    if (tokens.some((t) => line.includes(t))) score += 3;
    // An added throw is the change that starts rejecting requests.
    if (score > 0 && line.startsWith('+') && /\b(throw|raise|panic|abort|reject)\b/.test(body)) score += 2;
    if (score > 0) scored.push({ i, score });
  });
  const best = Math.max(0, ...scored.map((x) => x.score));
  const picked = new Set<number>();
  for (const { i } of scored
    .filter((x) => x.score * 2 >= best)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, 3)) {
    picked.add(i);
    // A removed line and the added line that replaced it read as one change (old value → new value);
    // a comment between them is skipped.
    const step = lines[i]?.startsWith('-') ? 1 : -1;
    let j = i + step;
    while (lines[j]?.startsWith('+') && /^[+-]\s*(#|\/\/)/.test(lines[j] ?? '')) j += step;
    if (step === 1 ? lines[j]?.startsWith('+') : lines[j]?.startsWith('-')) if (changed(j)) picked.add(j);
  }
  return [...picked]
    .sort((a, b) => a - b)
    .slice(0, 4)
    .map((i) => lines[i] as string);
}
