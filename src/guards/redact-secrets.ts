/**
 * Guard: redaction (DESIGN.md 5.5).
 *
 * Threat: a credential that a tool answer carries — a password in a log line, a ConfigMap key, a
 * container argument, a commit message — reaches the model, the Slack post, the audit log or the
 * terminal. Planted data needs no hostile model to leak: an honest diagnosis quotes the log line.
 *
 * Every tool result is passed through `redactSecrets` before the model sees it, and the report, the
 * audit log and the run's log lines are passed through it again before they leave the process.
 * Detection is built on secretlint's recommended rule preset (provider token formats maintained by
 * the secretlint project), plus rules that read structure: secret-named keys in any notation, YAML
 * block scalars, XML, command-line flags, auth headers, cookies, URL credentials, PEM blocks, and
 * the provider formats gitleaks lists that the preset lacks. Each rule keeps the context a reader
 * needs (`password=`, `xoxb-`, the URL's host) and masks only the secret part; applying the
 * redaction twice changes nothing. Tool output is untrusted and can be megabytes long, so every
 * pattern is bounded and runs in linear time.
 */
import { redactArgumentList, redactCommandLineSecrets } from './redaction/cli-flags.js';
import { redactHeadersAndUrls } from './redaction/headers-and-urls.js';
import { redactKeyValues } from './redaction/key-values.js';
import { REDACTED, applyReplacements, isMaskableValue } from './redaction/mask.js';
import { redactPrivateKeys } from './redaction/private-keys.js';
import { redactProviderTokens } from './redaction/provider-tokens.js';
import { isSecretKey } from './redaction/secret-keys.js';
import { secretlintReplacements } from './redaction/secretlint-rules.js';

export { REDACTED } from './redaction/mask.js';
export { isSecretKey } from './redaction/secret-keys.js';

/** Strings up to this many characters are remembered with their redaction. */
const MEMO_MAX_LENGTH = 64 * 1024;
/** At most this many strings, and at most this many characters of them and their redactions. */
const MEMO_MAX_ENTRIES = 2000;
const MEMO_MAX_CHARS = 4 * 1024 * 1024;

/**
 * The redactions of recent strings, least recently used first. A diagnosis redacts the same
 * strings many times over (every event, finding and audit line is walked whole, and most of
 * their strings are repeated from earlier ones), and running every rule over each of them again
 * was the largest cost of an offline diagnosis after start-up. `redactSecretsUncached` is a pure
 * function of its text, so a remembered answer is exactly the one the rules would give.
 */
const memo = new Map<string, string>();
let memoChars = 0;

/** Masks every secret the rules recognise in a piece of text; ordinary text is left as it was. */
export function redactSecrets(text: string): string {
  if (text === '') return text;
  if (text.length > MEMO_MAX_LENGTH) return redactSecretsUncached(text);
  const known = memo.get(text);
  if (known !== undefined) {
    memo.delete(text);
    memo.set(text, known);
    return known;
  }
  const out = redactSecretsUncached(text);
  memo.set(text, out);
  memoChars += text.length + out.length;
  while (memo.size > MEMO_MAX_ENTRIES || memoChars > MEMO_MAX_CHARS) {
    const [oldest, redacted] = memo.entries().next().value as [string, string];
    memo.delete(oldest);
    memoChars -= oldest.length + redacted.length;
  }
  return out;
}

/** `redactSecrets` without the memo: every rule, every time. */
export function redactSecretsUncached(text: string): string {
  if (text === '') return text;
  let out = redactPrivateKeys(text);
  out = redactProviderTokens(out);
  out = redactHeadersAndUrls(out);
  out = redactCommandLineSecrets(out);
  out = redactKeyValues(out);
  // The maintained rule set last: it finds what the structural rules missed, over what they left.
  return applyReplacements(out, secretlintReplacements(out));
}

/**
 * A copy of `value` with every string redacted, walking plain objects and arrays. A string under
 * a secret-named key (`{password: 'x'}`), the value of a secret env entry (`{name: 'DB_PASSWORD',
 * value: 'x'}`) and the item after a secret flag in an argument list (`['--token', 'x']`) are masked
 * whole. Other objects (Date, Map, class instances) are returned as they are.
 */
export function redactDeep<T>(value: T): T {
  return walk(value, undefined, new WeakMap()) as T;
}

function walk(value: unknown, key: string | undefined, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') {
    return key !== undefined && isSecretKey(key) && isMaskableValue(key, value)
      ? REDACTED
      : redactSecrets(value);
  }
  if (typeof value !== 'object' || value === null) return value;
  const done = seen.get(value);
  if (done !== undefined) return done; // a cycle: reuse the copy being built
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    // An argument vector is read as one: a flag's value is the next item.
    const items = value.every((item) => typeof item === 'string')
      ? redactArgumentList(value as string[])
      : (value as unknown[]);
    for (const item of items) copy.push(walk(item, undefined, seen));
    return copy;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  const record = value as Record<string, unknown>;
  const nameField = typeof record['name'] === 'string' ? record['name'] : record['key'];
  const envName = typeof nameField === 'string' && 'value' in record ? nameField : undefined;
  for (const [entryKey, entryValue] of Object.entries(record)) {
    copy[entryKey] = walk(
      entryValue,
      entryKey === 'value' && envName !== undefined ? envName : entryKey,
      seen,
    );
  }
  return copy;
}
