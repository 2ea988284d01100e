/**
 * Secret redaction for everything the agent reads, posts or writes (DESIGN.md 5.5).
 *
 * Tool output is untrusted and can be megabytes long, so every pattern here runs in linear time:
 * each one starts at a fixed literal or at the beginning of a token (a negative lookbehind keeps it
 * from restarting inside the token), its runs are bounded or consumed whole, and no unbounded run
 * is followed by a test that could fail and force backtracking across it. Each rule keeps the
 * context a reader needs (`password=`, `xoxb-`, the URL's host) and masks only the secret part,
 * and applying the rules twice changes nothing.
 */

/** What a masked secret is replaced with. */
export const REDACTED = '[REDACTED]';

/** The last word of a key that marks its value as secret (`DB_PASSWORD`, `accessToken`, `apikey`). */
// prettier-ignore
const SECRET_WORDS = new Set([
  'password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'token', 'apikey', 'accesstoken',
  'refreshtoken', 'authtoken', 'clientsecret', 'secretkey', 'privatekey', 'accesskey',
]);
/** Words that make a trailing `key` secret (`api_key`, `AWS_SECRET_ACCESS_KEY`), unlike `sort_key`. */
// prettier-ignore
const KEY_QUALIFIERS = new Set([
  'api', 'access', 'secret', 'private', 'signing', 'encryption', 'master', 'auth', 'session', 'client',
]);

/**
 * Whether a key (`password`, `K_PASSWORD`, `clientSecret`, `x-api-key`) names a secret. Only the
 * last word counts, so `secretName`, `token_count` and `password_file` stay readable.
 */
export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
  const last = words.at(-1);
  const previous = words.at(-2);
  if (last === undefined) return false;
  // `PASS: TestFoo` is test output, not a credential; `DB_PASS=` and `pass=` still count.
  if (last === 'pass' && words.length === 1 && key.replace(/^[-_]+/, '') === 'PASS') return false;
  if (SECRET_WORDS.has(last)) return true;
  if (last === 'key') return previous !== undefined && KEY_QUALIFIERS.has(previous);
  return last === 'data' && previous === 'key'; // kubeconfig `client-key-data`
}

/** Values under a secret key that are not secrets: empty, booleans, references, already masked. */
function isMaskableValue(key: string, value: string): boolean {
  if (value === '' || /^(null|nil|none|true|false|undefined)$/i.test(value)) return false;
  if (/^[{[(<|>]|^\$[{(]|^\*+$/.test(value)) return false;
  if (/^[A-Za-z0-9_-]{0,16}\[REDACTED\]/.test(value)) return false;
  // The shell's working directory is called PWD too.
  return !(/^(OLD)?PWD$/.test(key) && value.startsWith('/'));
}

/**
 * The span of the value that starts at `at`: the inside of a quoted value (plain, single or
 * JSON-escaped quotes) or an unquoted run up to whitespace or a delimiter.
 */
function valueSpan(text: string, at: number): { start: number; end: number } {
  const quoted = text.startsWith('\\"', at)
    ? { re: /\\"([^\\"\n]{0,4096})\\"/y, open: 2 }
    : text[at] === '"'
      ? { re: /"((?:[^"\\\n]|\\.){0,4096})"/y, open: 1 }
      : text[at] === "'"
        ? { re: /'([^'\n]{0,4096})'/y, open: 1 }
        : { re: null, open: 0 };
  if (quoted.re) {
    quoted.re.lastIndex = at;
    const match = quoted.re.exec(text);
    if (match?.[1] !== undefined) return { start: at + quoted.open, end: at + quoted.open + match[1].length };
  }
  // Unquoted, or a quote that never closes (truncated output): mask up to the next delimiter.
  const bare = /[^\s"'`,;&]*/y;
  bare.lastIndex = at + quoted.open;
  bare.exec(text);
  return { start: at + quoted.open, end: bare.lastIndex };
}

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
    if (!isSecretKey(key) || (match.groups?.['sep'] === '=' && text[valueAt] === '=')) continue;
    const span = valueSpan(text, valueAt);
    if (!isMaskableValue(key, text.slice(span.start, span.end))) continue;
    out += text.slice(copied, span.start) + REDACTED;
    copied = span.end;
    re.lastIndex = Math.max(span.end, valueAt);
  }
  return out + text.slice(copied);
}

/** `password=…`, `"token": "…"`, `DB_PASS: …`, `--api-key=…`, `$secret = '…'`. */
const KEY_VALUE =
  /(?<![A-Za-z0-9_.-])\\?["']?(?<key>[A-Za-z_-][A-Za-z0-9_.-]{0,79})\\?["']?[ \t]{0,8}(?<sep>:=|=>|[:=])[ \t]{0,8}/g;
/** Kubernetes env entries: `{"name": "DB_PASSWORD", "value": "…"}` and `- name: X_TOKEN\n  value: …`. */
const ENV_NAME_VALUE =
  /(?<![A-Za-z0-9_])\\?["']?name\\?["']?[ \t]{0,8}[:=][ \t]{0,8}\\?["']?(?<key>[A-Za-z_][A-Za-z0-9_.-]{0,79})\\?["']?[\s,]{0,40}\\?["']?value\\?["']?[ \t]{0,8}(?<sep>[:=])[ \t]{0,8}/gi;

/**
 * Whole PEM private-key blocks, and the body of one cut off before its END line. Done by hand
 * rather than with one lazy regex so that many BEGIN lines without an END stay linear: the next
 * END line is searched for once and reused.
 */
function redactPrivateKeys(text: string): string {
  const header = /-----BEGIN [A-Z0-9 ]{0,40}?PRIVATE KEY(?: BLOCK)?-----/g;
  const footer = /-----END [A-Z0-9 ]{0,40}?PRIVATE KEY(?: BLOCK)?-----/g;
  let nextFooter: RegExpExecArray | null | undefined;
  let out = '';
  let copied = 0;
  for (const begin of text.matchAll(header)) {
    if (begin.index < copied) continue; // inside a block already masked
    const bodyStart = begin.index + begin[0].length;
    if (nextFooter === undefined || (nextFooter !== null && nextFooter.index < bodyStart)) {
      footer.lastIndex = bodyStart;
      nextFooter = footer.exec(text);
    }
    out += text.slice(copied, bodyStart) + REDACTED;
    if (nextFooter !== null && nextFooter.index - bodyStart <= 20_000) {
      out += nextFooter[0];
      copied = nextFooter.index + nextFooter[0].length;
    } else if (text.startsWith(REDACTED, bodyStart)) {
      copied = bodyStart + REDACTED.length;
    } else {
      const body = /[A-Za-z0-9+/=\s:,\\-]*/y;
      body.lastIndex = bodyStart;
      body.exec(text);
      copied = body.lastIndex;
    }
  }
  return out + text.slice(copied);
}

/** A pattern with two groups (the part kept, the secret) and what to put in the match's place. */
type TokenRule = readonly [RegExp, (match: string, prefix: string, rest: string) => string];

/** Formats recognisable on their own, wherever they appear; each keeps its prefix. */
const TOKEN_RULES: readonly TokenRule[] = [
  // scheme://user:password@host and redis://:password@host: keep scheme, user and host. The
  // password may hold a raw `@`: the greedy run backs off to the last `@` before the path.
  [
    /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s:/@"'<>]{0,256}:)([^\s/"'<>]{1,512})@/g,
    (_m, prefix) => `${prefix}${REDACTED}@`,
  ],
  [
    /(?<![A-Za-z0-9_-])((?:proxy-)?authorization\\?["']?[ \t]{0,8}[:=][ \t]{0,8}\\?["']?(?:(?:bearer|basic|token|bot|digest|negotiate)[ \t]{1,8})?)([^\s"'\\,;]+)/gi,
    (_m, prefix) => `${prefix}${REDACTED}`,
  ],
  // A bare `Bearer <token>`; the length keeps "bearer of bad news" readable.
  [
    /(?<![A-Za-z0-9_-])(bearer[ \t]{1,8})([A-Za-z0-9._~+/-]+=*)/gi,
    (m, prefix, rest) => (rest.length >= 16 ? `${prefix}${REDACTED}` : m),
  ],
  [/(hooks\.slack\.com\/(?:services|workflows|triggers)\/)([A-Za-z0-9_/-]+)/g, (_m, p) => `${p}${REDACTED}`],
  [/(?<![A-Za-z0-9_-])(xox[abposre]-|xapp-)([A-Za-z0-9-]{8,})/g, (_m, prefix) => `${prefix}${REDACTED}`],
  [/(?<![A-Za-z0-9_])(gh[pousr]_|github_pat_)([A-Za-z0-9_]{10,})/g, (_m, prefix) => `${prefix}${REDACTED}`],
  [/(?<![A-Za-z0-9_-])(sk-ant-)([A-Za-z0-9_-]{8,})/g, (_m, prefix) => `${prefix}${REDACTED}`],
  // OpenAI-style keys hold a long random run; `sk-worker-7d9f8b6c5d-x2x9z` (a pod) does not.
  [
    /(?<![A-Za-z0-9_-])(sk-)([A-Za-z0-9_-]{20,})/g,
    (m, prefix, rest) => (/[A-Za-z0-9]{16}/.test(rest) && /\d/.test(rest) ? `${prefix}${REDACTED}` : m),
  ],
  [/(?<![A-Za-z0-9])(AKIA|ASIA)([A-Z0-9]{16})(?![A-Za-z0-9])/g, (_m, prefix) => `${prefix}${REDACTED}`],
  [
    /(?<![A-Za-z0-9_-])(eyJ)([A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)/g,
    (_m, prefix) => `${prefix}${REDACTED}`,
  ],
];

/** Masks every secret this module recognises in a piece of text; ordinary text is left as it was. */
export function redactSecrets(text: string): string {
  let out = redactPrivateKeys(text);
  for (const [pattern, replace] of TOKEN_RULES) {
    out = out.replace(pattern, (match: string, prefix: string, rest: string) => replace(match, prefix, rest));
  }
  out = maskValuesAfter(out, ENV_NAME_VALUE);
  return maskValuesAfter(out, KEY_VALUE);
}

/**
 * A copy of `value` with every string redacted, walking plain objects and arrays. A string under
 * a secret-named key (`{password: 'x'}`) or the value of a secret env entry
 * (`{name: 'DB_PASSWORD', value: 'x'}`) is masked whole. Other objects (Date, Map, class
 * instances) are returned as they are.
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
    for (const item of value) copy.push(walk(item, undefined, seen));
    return copy;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  const record = value as Record<string, unknown>;
  const envName = typeof record['name'] === 'string' && 'value' in record ? record['name'] : undefined;
  for (const [entryKey, entryValue] of Object.entries(record)) {
    copy[entryKey] = walk(
      entryValue,
      entryKey === 'value' && envName !== undefined ? envName : entryKey,
      seen,
    );
  }
  return copy;
}
