import type { z } from 'zod';
import { KNOWN_FIELDS } from './schema.js';

/** The fields that may sit where an unknown one was found. */
function fieldsAt(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return KNOWN_FIELDS.top;
  if (path[0] === 'mcpServers' && path.length === 2) return KNOWN_FIELDS.server;
  if (path[0] === 'slack' && path.length === 1) return KNOWN_FIELDS.slack;
  return [];
}

/** Edit distance, for "did you mean": a typo is one or two keystrokes away. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

function suggestion(key: string, known: string[]): string {
  const best = known
    .map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean '${best.k}'?)` : '';
}

function where(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(top level)';
}

/**
 * zod issues as lines a person can act on: the field's dotted path, what is wrong, and what is
 * expected there — for an unknown field, the fields allowed at that place and the likely one.
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const known = fieldsAt(issue.path);
        return issue.keys.map(
          (key) =>
            `${where([...issue.path, key])}: unknown field` +
            (known.length ? `; expected one of ${known.join(', ')}${suggestion(key, known)}` : ''),
        );
      }
      if (issue.code === 'invalid_key') {
        const inner = issue.issues.map((i) => i.message).join('; ');
        return [`${where(issue.path)}: invalid name (${inner})`];
      }
      return [`${where(issue.path)}: ${issue.message}`];
    })
    .join('; ');
}
