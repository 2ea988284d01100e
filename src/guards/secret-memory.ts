/**
 * Guard: a secret seen once is masked everywhere afterwards (DESIGN.md 5.5).
 *
 * Threat: a model repeats a secret it read, without the `password=` context that made redaction
 * recognise it the first time — in its findings, its notes, the audit log.
 */
import { REDACTED, redactDeep, redactSecrets } from './redact-secrets.js';

const MIN_SECRET = 6;
const MAX_SECRET = 400;

/**
 * Remembers the literal secrets that redaction masked in tool output, so that the same value is
 * masked anywhere it shows up later — in a model's submission that repeats it without the
 * `password=` context that made it recognisable, in the report, in the audit log.
 */
export class SecretMemory {
  private readonly secrets = new Set<string>();

  /** Redact `original` and learn each value that was masked. */
  redact(original: string): string {
    const redacted = this.scrub(redactSecrets(original));
    this.learn(original, redacted);
    return redacted;
  }

  /** Align the redacted text with the original: what stands where a marker stands is a secret. */
  private learn(original: string, redacted: string): void {
    if (!redacted.includes(REDACTED)) return;
    const parts = redacted.split(REDACTED);
    let at = 0;
    for (let i = 0; i < parts.length - 1; i++) {
      const before = parts[i] as string;
      const found = original.indexOf(before, at);
      if (found < 0) return;
      at = found + before.length;
      const after = (parts[i + 1] as string).slice(0, 40);
      const end = after ? original.indexOf(after, at) : original.length;
      if (end < 0) return;
      const secret = original.slice(at, end).trim();
      if (secret.length >= MIN_SECRET && secret.length <= MAX_SECRET && !secret.includes('\n'))
        this.secrets.add(secret);
      at = end;
    }
  }

  /** Mask every remembered secret in a text. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** Redact patterns, secret-named keys and remembered secrets in every string of a value. */
  scrubDeep<T>(value: T): T {
    return this.scrubStrings(redactDeep(value));
  }

  private scrubStrings<T>(value: T): T {
    if (typeof value === 'string') return this.scrub(value) as T;
    if (Array.isArray(value)) return value.map((v: unknown) => this.scrubStrings(v)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.scrubStrings(v)])) as T;
    }
    return value;
  }

  get size(): number {
    return this.secrets.size;
  }
}
