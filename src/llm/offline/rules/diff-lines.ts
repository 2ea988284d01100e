/** Reading a commit's patch: the changed lines that matter, the value a line replaced, the lines that hold a culprit value. */
import { quote } from '../quote.js';
import type { ChangeLink } from './recent-change.js';

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

/**
 * The value a change replaced with `current`: in the patch, the `+` line of `key` that holds
 * `current`, and the nearest `-` line of the same key above it in its hunk (`- memory: 450Mi` …
 * `+ memory: 128Mi` → `450Mi`).
 */
export function previousValue(
  change: Pick<ChangeLink, 'lines' | 'patch'>,
  current: string,
  key: RegExp,
): string | undefined {
  const lines = (change.patch ?? change.lines.join('\n')).split('\n');
  const value = (line: string) =>
    line
      .slice(1)
      .split(':')
      .slice(1)
      .join(':')
      .trim()
      .replace(/^["']|["']$/g, '');
  for (let i = 0; i < lines.length; i++) {
    const added = lines[i] ?? '';
    if (!added.startsWith('+') || !key.test(added) || value(added) !== current) continue;
    for (let j = i - 1; j >= 0 && !(lines[j] ?? '').startsWith('@@'); j--) {
      const removed = lines[j] ?? '';
      if (removed.startsWith('-') && key.test(removed)) return value(removed) || undefined;
    }
  }
  return undefined;
}

/** Whether a diff line's text holds a culprit value: a bare number only as a whole number (`8081`, not `18081`). */
function holds(text: string, value: string): boolean {
  if (/^\d+$/.test(value)) return new RegExp(`(?<![\\w.])${value}(?![\\w])`).test(text);
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

/** `+ throw new X(...)`: a diff line with its sign, indentation dropped, cut to size. */
export function showLine(line: string, max = 120): string {
  return `${line[0] ?? ''} ${quote(line.slice(1).trim(), max)}`;
}
