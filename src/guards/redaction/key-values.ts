import { REDACTED, applyReplacements, isMaskableValue, valueSpan, type Replacement } from './mask.js';
import { isSecretKey } from './secret-keys.js';

/**
 * Values under secret-named keys, in every notation a tool answer uses: `KEY=value` (env, shell,
 * `.properties`, INI, query strings), `key: value` (YAML, logs), JSON and escaped JSON, Kubernetes
 * env entries (`{"name": "DB_PASSWORD", "value": …}`), XML attributes (`key="DbPassword"
 * value="…"`) and elements (`<password>…</password>`), YAML block scalars (`password: |`), and
 * `aws_secret_access_key X` where a secret-named identifier is followed by a credential.
 */

/** `password=…`, `"token": "…"`, `DB_PASS: …`, `--api-key=…`, `$secret = '…'`, `db.password=…`. */
const KEY_VALUE =
  /(?<=^|[^A-Za-z0-9_./-]|\\[nrt])\\?["']?(?<key>[A-Za-z_-][A-Za-z0-9_.-]{0,79})\\?["']?[ \t]{0,8}(?<sep>:=|=>|[:=])[ \t]{0,8}/g;

/**
 * A name and its value side by side: Kubernetes env (`- name: X_TOKEN\n  value: …`), .NET
 * `<add key="DbPassword" value="…"/>`, Ansible-style `{key: …, value: …}`.
 */
const NAME_THEN_VALUE =
  /(?<=^|[^A-Za-z0-9_]|\\[nrt])\\?["']?(?:name|key)\\?["']?[ \t]{0,8}[:=][ \t]{0,8}\\?["']?(?<key>[A-Za-z_][A-Za-z0-9_.-]{0,79})\\?["']?[\s,]{0,40}\\?["']?value\\?["']?[ \t]{0,8}(?<sep>[:=])[ \t]{0,8}/gi;

/**
 * Masks the value at the end of each match of `pattern` whose captured key (group `key`) is
 * secret. A match with a harmless key resumes scanning right after its separator, so
 * `args=--db-password=x` is still caught, and each character is scanned a bounded number of times.
 */
function maskValuesAfter(text: string, pattern: RegExp): string {
  const re = new RegExp(pattern.source, pattern.flags);
  let out = '';
  let copied = 0;
  for (let match = re.exec(text); match !== null; match = re.exec(text)) {
    const key = match.groups?.['key'] ?? '';
    const valueAt = match.index + match[0].length;
    const colon = match.groups?.['sep'] === ':';
    if (!isSecretKey(key) || (!colon && match.groups?.['sep'] === '=' && text[valueAt] === '=')) continue;
    const quoted = /["'\\]/.test(text[valueAt] ?? '');
    const atLineStart = startsLine(text, match.index);
    const span =
      colon && !quoted && atLineStart
        ? restOfLine(text, valueAt)
        : valueSpan(text, valueAt, colon ? ':' : '=');
    const value = text.slice(span.start, span.end);
    if (!isMaskableValue(key, value)) continue;
    // Mid-line, `word: word` is as often prose ("rejected the credentials: authentication error")
    // as a credential: there the value must look like one.
    if (colon && !quoted && !atLineStart && !looksLikeSecretWord(value)) continue;
    out += text.slice(copied, span.start) + REDACTED;
    copied = span.end;
    re.lastIndex = Math.max(span.end, valueAt);
  }
  return out + text.slice(copied);
}

/** Whether only indentation, a list dash, quotes or an opening brace stand before `at` on its line. */
function startsLine(text: string, at: number): boolean {
  for (let i = at - 1; i >= 0 && at - i < 200; i--) {
    const c = text[i] as string;
    if (c === '\n') return true;
    if (c === 'n' && text[i - 1] === '\\') return true;
    if (!/[ \t\-"'{\\]/.test(c)) return false;
  }
  return at < 200;
}

/**
 * A YAML or `key: value` line's value: the rest of the line, less a trailing ` # comment`, so a
 * password with spaces or `&` is masked whole.
 */
function restOfLine(text: string, at: number): { start: number; end: number } {
  const line = /(?:[^\n\\]|\\(?![nr])){0,4096}/y;
  line.lastIndex = at;
  line.exec(text);
  let end = line.lastIndex;
  const comment = text.slice(at, end).search(/\s#/);
  if (comment >= 0) end = at + comment;
  while (end > at && /\s/.test(text[end - 1] ?? '')) end--;
  return { start: at, end };
}

/** A word that could be a credential: a digit, a symbol or mixed case (not `authentication`, `required`). */
function looksLikeSecretWord(value: string): boolean {
  return (
    value.length >= 4 && (/\d|[^A-Za-z]/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value.slice(1))))
  );
}

/** `<password>…</password>`, `<DbPassword>…</DbPassword>`: an element named as a secret. */
function maskXmlElements(text: string): string {
  return text.replace(
    /<(?<tag>[A-Za-z_][A-Za-z0-9_.:-]{0,60})(?<attrs>[ \t][^<>\n]{0,200})?>(?<value>[^<\n]{1,1024})<\/\k<tag>>/g,
    (whole, tag: string, attrs: string | undefined, value: string) =>
      isSecretKey(tag.replace(/^.*:/, '')) && isMaskableValue(tag, value.trim())
        ? `<${tag}${attrs ?? ''}>${REDACTED}</${tag}>`
        : whole,
  );
}

/** A credential-looking word: long enough, with a digit or mixed case, not a path or a sentence. */
function looksLikeCredential(value: string): boolean {
  if (value.length < 8 || value.startsWith('/') || value.includes(REDACTED)) return false;
  if (/[:.,]$/.test(value)) return false;
  return /\d/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value));
}

/**
 * `aws_secret_access_key X`, `DB_PASSWORD Hunter2024`: an identifier (snake_case, camelCase or
 * UPPER) that names a secret, a space, then a credential-looking word. Plain prose ("the password
 * expired") is left alone: the key must be an identifier, the value must look like a credential.
 */
function maskIdentifierThenValue(text: string): string {
  const re =
    /(?<=^|[^A-Za-z0-9_$./-]|\\[nrt])([A-Za-z][A-Za-z0-9]{0,40}(?:_[A-Za-z0-9]{1,40}){1,6}|[a-z]{1,20}(?:[A-Z][a-z0-9]{1,20}){1,5}|[A-Z][A-Z0-9]{2,40})[ \t]{1,4}([A-Za-z0-9+/=_.~:-]{8,512})(?![A-Za-z0-9+/=_.~:-])/g;
  return text.replace(re, (whole, key: string, value: string) =>
    isSecretKey(key) && looksLikeCredential(value)
      ? whole.slice(0, whole.length - value.length) + REDACTED
      : whole,
  );
}

/** A line break in raw text, or one escaped inside a JSON string (`\n` as two characters). */
const LINE_BREAK = /\r?\n|\\+n/g;

/**
 * YAML block scalars under a secret key (`password: |`, `private_key: >-`): every following line
 * indented deeper than the key is part of the value and is masked.
 */
function maskBlockScalars(text: string): string {
  if (!/[:]\s*[|>]/.test(text)) return text;
  const lines: { start: number; end: number }[] = [];
  let at = 0;
  for (const br of text.matchAll(LINE_BREAK)) {
    lines.push({ start: at, end: br.index });
    at = br.index + br[0].length;
  }
  lines.push({ start: at, end: text.length });
  const replacements: Replacement[] = [];
  let block: { indent: number } | null = null;
  for (const { start, end } of lines) {
    const line = text.slice(start, end);
    const indent = /^[ \t]*/.exec(line)?.[0].length ?? 0;
    if (block) {
      if (line.trim() === '') continue;
      if (indent > block.indent) {
        if (!line.slice(indent).startsWith(REDACTED))
          replacements.push({ start: start + indent, end, with: REDACTED });
        continue;
      }
      block = null;
    }
    const header =
      /^([ \t]*(?:-[ \t]+)?)["']?([A-Za-z_][A-Za-z0-9_.-]{0,79})["']?[ \t]*:[ \t]*[|>][-+0-9]*[ \t]*$/.exec(
        line.length > 200 ? '' : line,
      );
    if (header?.[2] && isSecretKey(header[2])) block = { indent: indent };
  }
  return applyReplacements(text, replacements);
}

/** Mask every value whose key, element or preceding identifier names a secret. */
export function redactKeyValues(text: string): string {
  let out = maskBlockScalars(text);
  out = maskXmlElements(out);
  out = maskValuesAfter(out, NAME_THEN_VALUE);
  out = maskValuesAfter(out, KEY_VALUE);
  return maskIdentifierThenValue(out);
}
