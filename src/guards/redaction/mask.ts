import { isSecretKey, keyWords } from './secret-keys.js';

/** What a masked secret is replaced with. */
export const REDACTED = '[REDACTED]';

/** `os.environ['X']`, `Uri.Unescape(…)`, `process.env.X`, `new Uri(…)`: code that reads a secret, not one. */
const CODE_EXPRESSION =
  /^(?:new\s|await\s|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+\s*[([]|[A-Za-z_$][\w$]*\([^()]{0,200}\)$|(?:process\.env|os\.environ|os\.getenv|System\.getenv|ENV)\b)/;

/** Type annotations in source code (`password: str`, `token: SecretStr = Field(…)`). */
// prettier-ignore
const TYPE_NAMES = new Set([
  'str', 'string', 'String', 'bytes', 'SecretStr', 'SecretBytes', 'char', 'int', 'bool', 'any',
  'unknown', 'Optional', '[]byte', 'Secret', 'SecureString',
]);

/**
 * Values under a secret key that are not secrets: empty, booleans, references (`${DB_PASSWORD}`,
 * `<set to the key …>`, the name of another secret key: `secretKey: api-key`), code that reads a
 * secret, a type annotation, a YAML block-scalar indicator, placeholders already masked, and the
 * shell's working directory (also called PWD).
 */
export function isMaskableValue(key: string, value: string): boolean {
  if (value === '' || /^(null|nil|none|true|false|undefined|yes|no)$/i.test(value)) return false;
  if (/^[{[(<|>]|^\$[{(]|^\*+$|^%[A-Z_]+%$|^\{\{/.test(value)) return false;
  if (/^[A-Za-z0-9_-]{0,16}\[REDACTED\]/.test(value)) return false;
  if (CODE_EXPRESSION.test(value)) return false;
  // `str`, `SecretStr = Field(...)`, `Optional[str] = None`: a declaration, typed, maybe defaulted.
  const declared = /^([A-Za-z_][\w.]*)(?:\[[^\]]{0,60}\])?(?:\s*\|\s*None)?(?:\s*=\s*.*)?$/.exec(value)?.[1];
  if (declared !== undefined && TYPE_NAMES.has(declared)) return false;
  // `secretKey: password`, `key: DB_PASSWORD`: the value names a key, it does not hold a secret.
  if (/^[A-Za-z][A-Za-z0-9_.-]{0,60}$/.test(value) && isSecretKey(value) && !/\d/.test(value)) return false;
  // Helm-style `existingSecret: ledger-db-credentials`: a key ending in Secret names a Secret object.
  const words = keyWords(key);
  if (words.length > 1 && words.at(-1) === 'secret' && /^[a-z0-9]+(?:-[a-z0-9]+)+$/.test(value)) return false;
  return !(/^(OLD)?PWD$/i.test(key) && value.startsWith('/'));
}

/** How a value is separated from its key: `:` (YAML, logs, JSON) or `=` (env, query strings, connection strings). */
export type Separator = ':' | '=';

/**
 * The span of the value that starts at `at`: the inside of a quoted value (plain, single or
 * JSON-escaped quotes) or an unquoted run. After `=` the run ends at `&`, `;` and `,` as well (a
 * query or connection string goes on); after `:` only at whitespace, a quote, or a `,`/`;` that
 * ends a clause, so `password: Hy6&tR3q` is masked whole. Closing brackets the value never opened
 * belong to the code around it. Bounded, so one long line cannot make it slow.
 */
export function valueSpan(
  text: string,
  at: number,
  separator: Separator = '=',
): { start: number; end: number } {
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
  // Unquoted, or a quote that never closes (truncated output). A JSON-escaped line break (`\n` as
  // two characters) ends the value too.
  const bare =
    separator === '='
      ? /(?:[^\s"'`,;&\\]|\\(?![nrt"])){0,4096}/y
      : /(?:[^\s"'`,;\\]|[,;](?![\s"'\\]|$)|\\(?![nrt"])){0,4096}/y;
  const start = at + quoted.open;
  bare.lastIndex = start;
  bare.exec(text);
  return { start, end: trimUnopenedClosers(text, start, bare.lastIndex) };
}

/**
 * `f(hide_password=False)`, `(REDIS_PASSWORD=x).`: a closing bracket the value never opened, and a
 * full stop or comma that ends the sentence, belong to the text around the value.
 */
function trimUnopenedClosers(text: string, start: number, end: number): number {
  let cut = end;
  while (cut > start) {
    const last = text[cut - 1] as string;
    if (/[.,;:]/.test(last) && cut - 1 > start) {
      cut -= 1;
      continue;
    }
    const opener = { ')': '(', ']': '[', '}': '{' }[last];
    if (opener === undefined || text.slice(start, cut - 1).includes(opener)) break;
    cut -= 1;
  }
  return cut;
}

/** A span of text to replace, and what stands there afterwards. */
export interface Replacement {
  start: number;
  end: number;
  with: string;
}

/**
 * Apply non-overlapping replacements (sorted here); a replacement that overlaps an earlier one is
 * dropped, since the earlier one already masked that text.
 */
export function applyReplacements(text: string, replacements: readonly Replacement[]): string {
  if (replacements.length === 0) return text;
  const sorted = [...replacements].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let copied = 0;
  for (const r of sorted) {
    if (r.start < copied) continue;
    out += text.slice(copied, r.start) + r.with;
    copied = r.end;
  }
  return out + text.slice(copied);
}
