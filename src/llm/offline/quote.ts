/**
 * Quotes from logs and code, cut so they stay readable: at word boundaries, keeping the end of a
 * line, where Go, gRPC and most wrapped errors put the cause (`… dial tcp 10.0.0.7:7070: connect:
 * connection refused`).
 */

const ELLIPSIS = ' … ';

/** Text on one line, cut to `max` characters: the start and the end, joined by an ellipsis. */
export function quote(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  const room = max - ELLIPSIS.length;
  const headRoom = Math.max(12, Math.floor(room * 0.35));
  const tailRoom = room - headRoom;
  let head = line.slice(0, headRoom);
  const lastSpace = head.lastIndexOf(' ');
  if (lastSpace > headRoom / 2) head = head.slice(0, lastSpace);
  let tail = line.slice(line.length - tailRoom);
  const firstSpace = tail.indexOf(' ');
  if (firstSpace >= 0 && firstSpace < tailRoom / 2) tail = tail.slice(firstSpace + 1);
  return `${head.replace(/[\s,;:(-]+$/, '')}${ELLIPSIS}${tail}`;
}

/**
 * An exception's message without its type repeated in front (`Error: Error: x` → `x`): runtimes
 * print the type before the message, and structured loggers often store both.
 */
export function withoutTypePrefix(type: string | undefined, message: string): string {
  let out = message.trim();
  const names = [type, type?.split('.').at(-1), 'Error', 'Exception'].filter((n): n is string => Boolean(n));
  for (let i = 0; i < 3; i++) {
    const prefix = names.find((n) => out.startsWith(`${n}: `));
    if (!prefix) break;
    out = out.slice(prefix.length + 2).trim();
  }
  return out;
}

/**
 * The part of a long line around what `pattern` matches, so the quote keeps the words that prove
 * the point (a TLS error's `NotTimeValid` sits in the middle of a wrapped gRPC exception).
 */
export function quoteAround(text: string, pattern: RegExp, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const found = line.search(pattern);
  if (line.length <= max || found < 0) return quote(line, max);
  const start = Math.max(0, Math.min(found - Math.floor(max * 0.6), line.length - max));
  let excerpt = line.slice(start, start + max - 2 * ELLIPSIS.length);
  if (start > 0) excerpt = excerpt.slice(Math.max(0, excerpt.indexOf(' ') + 1));
  if (start + excerpt.length < line.length) excerpt = excerpt.slice(0, excerpt.lastIndexOf(' '));
  return `${start > 0 ? ELLIPSIS.trimStart() : ''}${excerpt}${start + max < line.length ? ELLIPSIS.trimEnd() : ''}`;
}
