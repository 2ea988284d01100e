import { rules as recommendedRules } from '@secretlint/secretlint-rule-preset-recommend';
import { REDACTED, type Replacement } from './mask.js';

/**
 * secretlint's recommended preset, run synchronously on a piece of text. Each rule is a plain
 * object (`create(context, options)` returning a `file(source)` handler that reports ranges), so
 * the host calls the handlers itself instead of going through secretlint's asynchronous runner:
 * redaction sits on synchronous paths (the audit log, the logger) and must stay synchronous.
 */

interface ReportedRange {
  range: readonly [number, number];
}

interface RuleContext {
  report(descriptor: ReportedRange): void;
  ignore(descriptor: unknown): void;
  createTranslator(
    messages: Record<string, { en?: (props: Record<string, unknown>) => string }>,
  ): (id: string, props?: Record<string, unknown>) => string;
  sharedOptions: Record<string, unknown>;
}

interface SecretlintRule {
  meta: { id: string; type?: string };
  create(context: RuleContext, options: Record<string, unknown>): { file?: (source: unknown) => unknown };
}

// The comment filter lets text switch detection off (`secretlint-disable`): tool output is
// untrusted, so no text may do that here.
const EXCLUDED = new Set(['@secretlint/secretlint-rule-filter-comments']);

/** Where the rules report into during one scan; the handlers are built once and reused. */
let sink: ReportedRange[] = [];

const context: RuleContext = {
  report: (descriptor) => sink.push(descriptor),
  ignore: () => {},
  createTranslator: () => (id) => id,
  sharedOptions: {},
};

const handlers = (recommendedRules as unknown as SecretlintRule[])
  .filter((rule) => rule.meta.type !== 'filter' && !EXCLUDED.has(rule.meta.id))
  .map((rule) => ({ id: rule.meta.id, file: rule.create(context, {}).file }))
  .filter((h): h is { id: string; file: (source: unknown) => unknown } => typeof h.file === 'function');

/** The ids of the secretlint rules in use, for the README and `config check`. */
export const SECRETLINT_RULE_IDS: readonly string[] = handlers.map((h) => h.id);

/**
 * Characters a token is made of, for widening a reported range to the whole token. `=` only ends
 * a token (base64 padding): leftwards it is the separator after a key.
 */
const TOKEN_CHAR = /[A-Za-z0-9+/=_.~-]/;
const TOKEN_CHAR_LEFT = /[A-Za-z0-9+/_.~-]/;
const MAX_TOKEN = 1024;

/**
 * The secret inside a reported range: a URL's password when the range is a URL with credentials,
 * else the whole token under the range's last character. Rules report ranges that start at the key
 * (`AWS_SECRET_ACCESS_KEY=…`) or cover a whole connection string; only the secret is masked, and a
 * token's public prefix (`xoxb-`, `glpat-`, `sk-ant-`) is kept.
 */
function secretIn(text: string, start: number, end: number): Replacement | null {
  const hit = text.slice(start, end);
  const url = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/@]*:/.exec(hit);
  if (url) {
    const at = hit.lastIndexOf('@');
    if (at > url[0].length) return { start: start + url[0].length, end: start + at, with: REDACTED };
  }
  let tokenEnd = end;
  while (tokenEnd > start && !TOKEN_CHAR.test(text[tokenEnd - 1] ?? '')) tokenEnd--;
  if (tokenEnd === start) return null;
  let tokenStart = tokenEnd - 1;
  while (
    tokenStart > 0 &&
    tokenEnd - tokenStart < MAX_TOKEN &&
    TOKEN_CHAR_LEFT.test(text[tokenStart - 1] ?? '')
  )
    tokenStart--;
  while (tokenEnd < text.length && tokenEnd - tokenStart < MAX_TOKEN && TOKEN_CHAR.test(text[tokenEnd] ?? ''))
    tokenEnd++;
  const token = text.slice(tokenStart, tokenEnd);
  const prefix = /^(?:[a-z]{2,8}[-_]){1,2}(?=[A-Za-z0-9]{8})/.exec(token)?.[0] ?? '';
  return { start: tokenStart + prefix.length, end: tokenEnd, with: REDACTED };
}

/**
 * What secretlint's recommended rules find in `text`, as replacements that mask each secret.
 * Findings over text already masked are skipped, so running twice changes nothing.
 */
export function secretlintReplacements(text: string): Replacement[] {
  const found: ReportedRange[] = [];
  sink = found;
  const source = { content: text, filePath: 'tool-output.txt', ext: '.txt', contentType: 'text' };
  for (const handler of handlers) {
    try {
      const pending = handler.file(source);
      // A rule that answers asynchronously (binary checks) has nothing for text: drop its promise quietly.
      if (pending instanceof Promise) pending.catch(() => {});
    } catch {
      // A rule that throws on odd input must not stop the others, nor the redaction.
    }
  }
  sink = [];
  const replacements: Replacement[] = [];
  for (const { range } of found) {
    const [start, end] = range;
    if (!(start >= 0 && end > start && end <= text.length)) continue;
    const replacement = secretIn(text, start, end);
    if (!replacement || replacement.end <= replacement.start) continue;
    const covered = text.slice(replacement.start, replacement.end);
    if (covered.includes(REDACTED) || covered.includes('REDACTED')) continue;
    replacements.push(replacement);
  }
  return replacements;
}
