/**
 * Guard: secret-looking configuration is masked at the Kubernetes server.
 *
 * Threat: a ConfigMap entry, an env var or a container argument carries a credential (ConfigMaps
 * are not Secrets, but people put passwords in them). The bundled Kubernetes server masks them in
 * its own answers, before anything leaves the server process — a stricter rule than the host's
 * redaction (any name with `key` in it counts here), because a ConfigMap value is shown whole.
 * Secrets themselves are never read (see scope-tool-calls.ts and the server's kinds).
 */
import { REDACTED, isSecretKey, redactSecrets } from './redact-secrets.js';

/** What a value that looks secret is shown as. */
export const redacted = REDACTED;

/** Words of a name that mark its value as a credential (`DB_PASSWORD`, `apiKey`, `auth.token`). */
const secretWords = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'key',
  'keys',
  'apikey',
  'privatekey',
  'credential',
  'credentials',
  'creds',
  'dsn',
  'connectionstring',
  'connstr',
]);

/**
 * Whether a variable or config key names a secret. Whole words only, so `PASSWORD`, `API_KEY`,
 * `clientSecret` and `REDIS_CONNECTION_STRING` count but `monkey` and `keyspace` do not.
 */
export function looksSecretName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.some((word) => secretWords.has(word)) || isSecretKey(name)) return true;
  const joined = words.join('');
  return joined.includes('connectionstring') || joined.includes('privatekey');
}

const secretValuePatterns: RegExp[] = [
  // Credentials inside a URL: `redis://:pw@host`, `postgres://user:pw@db`.
  /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i,
  // `Password=…;` in connection strings, `x-api-key=…` in header lists, `token: …` inside a value.
  /(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)\s*[=:]/i,
  /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/, // a JWT
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\b(gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-[\w-]{10,}|AKIA[0-9A-Z]{16}|sk-[A-Za-z0-9_-]{20,})/,
];

/** Whether a value itself carries a credential, whatever its key is called. */
export function looksSecretValue(value: string): boolean {
  if (secretValuePatterns.some((pattern) => pattern.test(value))) return true;
  // Whatever the host's redaction would mask (provider tokens, flags, cookies) counts too.
  return !value.includes(REDACTED) && redactSecrets(value) !== value;
}

/** Whether a key/value pair must not be shown. */
export function isSecretEntry(name: string, value: string): boolean {
  return looksSecretName(name) || looksSecretValue(value);
}

/**
 * A multi-line value (a config file kept in a ConfigMap) with the value of every line that names
 * or carries a secret replaced, so the rest of the file stays readable.
 */
export function maskSecretLines(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const pair = /^(\s*[-\w."']+\s*[:=]\s*)(.*)$/.exec(line);
      if (pair?.[1] !== undefined && pair[2] !== undefined && pair[2].trim() !== '') {
        const name = pair[1].replace(/[\s:="']/g, '');
        return isSecretEntry(name, pair[2]) ? `${pair[1]}${redacted}` : line;
      }
      return looksSecretValue(line) ? `${line.match(/^\s*/)?.[0] ?? ''}${redacted}` : line;
    })
    .join('\n');
}
