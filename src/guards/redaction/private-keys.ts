import { REDACTED } from './mask.js';

/**
 * Whole PEM private-key blocks, and the body of one cut off before its END line (tool output is
 * truncated to a budget). Done by hand rather than with one lazy regex so that many BEGIN lines
 * without an END stay linear: the next END line is searched for once and reused.
 */
export function redactPrivateKeys(text: string): string {
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
