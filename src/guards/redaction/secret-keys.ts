/**
 * Which key names mark their value as a credential: environment variables, ConfigMap keys, YAML,
 * JSON, XML attributes, `.properties` and INI keys, command-line flags.
 *
 * A key is secret when any of its words contains a credential word (`PGPASSWORD`, `DB_PASSWORD_2`,
 * `secret_key_base`, `DbPassword`, `x-api-key`), unless its last word says the value is about the
 * credential rather than the credential itself (`secretName`, `token_count`, `password_file`,
 * `max_tokens`, `tokenUrl`, `TokenExpiredError`).
 */

/** Stems that make any word containing them secret, wherever they stand in the key. */
const SECRET_STEMS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'credential', 'apikey'];

/** Whole words that are secret on their own (`pwd`, `DB_PASS`, `_auth`, Azure's `sig`). */
// prettier-ignore
const SECRET_WORDS = new Set([
  'pwd', 'pass', 'pw', 'auth', 'sig', 'signature', 'privatekey', 'sessionid', 'dsn',
]);

/** Words that make a following `key` (or `private` …) secret: `api_key`, `AccountKey`, `signing-key`. */
// prettier-ignore
const KEY_QUALIFIERS = new Set([
  'api', 'access', 'secret', 'private', 'signing', 'encryption', 'master', 'auth', 'session', 'client',
  'account', 'license', 'app', 'admin', 'service', 'storage', 'shared', 'crypto', 'hmac', 'ssh', 'gpg',
]);

/**
 * Last words that describe a credential instead of holding one. Plural `tokens` counts tokens and
 * plural `secrets` lists secret names (a ServiceAccount's `secrets:`), so both are descriptors.
 */
// prettier-ignore
const DESCRIPTOR_WORDS = new Set([
  'name', 'names', 'ref', 'refs', 'reference', 'file', 'files', 'path', 'dir', 'directory', 'mount',
  'count', 'length', 'len', 'size', 'ttl', 'expiry', 'expires', 'expiration', 'seconds', 'type',
  'types', 'kind', 'mode', 'format', 'enabled', 'required', 'optional', 'policy', 'provider',
  'version', 'url', 'uri', 'endpoint', 'host', 'hostname', 'port', 'address', 'ip', 'network',
  'subnet', 'dns', 'zone', 'registry', 'limit', 'limits', 'max', 'min', 'usage', 'used', 'stdin',
  'header', 'field', 'hint', 'prompt', 'at', 'label', 'labels', 'tokens', 'secrets', 'rotation',
  'strength', 'algorithm', 'source', 'store', 'manager', 'reset', 'changed', 'updated', 'created',
  'exists', 'missing', 'set', 'env', 'var', 'tokenizer',
  // An exception or error type (`SecurityTokenSignatureKeyNotFoundException: IDX10503 …`) is followed
  // by its message, which is the evidence a diagnosis quotes.
  'exception', 'error', 'errors', 'fault', 'failure', 'failed', 'expired', 'invalid',
]);

/** The words of a key: camelCase split, lowercased, separators dropped. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

function wordIsSecret(word: string, next: string | undefined, previous: string | undefined): boolean {
  if (SECRET_STEMS.some((stem) => word.includes(stem))) return true;
  if (SECRET_WORDS.has(word)) return true;
  // `dbpwd`, `mysqlpwd`: the short form glued to a prefix.
  if (word.endsWith('pwd') && word.length <= 12) return true;
  if (word === 'key' || word === 'keys') return previous !== undefined && KEY_QUALIFIERS.has(previous);
  // `client-key-data` (kubeconfig), `private_key`, `PRIVATE_PEM`.
  if (word === 'data') return previous === 'key';
  return word === 'private' && next !== undefined && ['key', 'pem', 'der', 'jwk'].includes(next);
}

/** Keys up to this long are remembered with their verdict, this many at most. */
const KNOWN_MAX_LENGTH = 128;
const KNOWN_MAX_ENTRIES = 4096;

/**
 * Verdicts already reached: redaction asks about every `key:` and `key=` in every text it reads,
 * and logs repeat the same few keys on every line. The verdict is a pure function of the key.
 */
const known = new Map<string, boolean>();

/** Whether a key (`password`, `K_PASSWORD`, `clientSecret`, `PGPASSWORD`, `--admin-password`) names a secret. */
export function isSecretKey(key: string): boolean {
  if (key.length > KNOWN_MAX_LENGTH) return judgeKey(key);
  let verdict = known.get(key);
  if (verdict === undefined) {
    verdict = judgeKey(key);
    // Forgetting everything at the bound keeps the memory bounded and the hot keys coming back.
    if (known.size >= KNOWN_MAX_ENTRIES) known.clear();
    known.set(key, verdict);
  }
  return verdict;
}

function judgeKey(key: string): boolean {
  const words = keyWords(key);
  const last = words.at(-1);
  if (last === undefined) return false;
  // `PASS: TestFoo` is test output, not a credential; `DB_PASS=` and `pass=` still count.
  if (words.length === 1 && last === 'pass' && /^[-_]*PASS$/.test(key)) return false;
  if (words.length > 1 && DESCRIPTOR_WORDS.has(last)) return false;
  if (words.length === 1 && (last === 'tokens' || last === 'secrets' || last === 'tokenizer')) return false;
  // A `key` that ends a descriptor chain is judged by the words before it (`secret_name_key` no).
  return words.some((word, i) => wordIsSecret(word, words[i + 1], words[i - 1]));
}
