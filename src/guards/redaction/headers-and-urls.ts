import { REDACTED } from './mask.js';

/**
 * Credentials in URLs and HTTP headers: `scheme://user:password@host`, `Authorization: …`,
 * a bare `Bearer …`, and every value of a `Cookie` or `Set-Cookie` header.
 */

/** Cookie attributes, which are not secrets: `Path=/`, `Max-Age=3600`, `SameSite=Lax`. */
const COOKIE_ATTRIBUTES = new Set(['path', 'domain', 'expires', 'max-age', 'samesite', 'priority']);

const URL_CREDENTIALS =
  // Keep scheme, user and host. The password may hold a raw `@`: the greedy run backs off to the
  // last `@` before the path.
  /(?<=^|[^A-Za-z0-9+.-]|\\[nrt])([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s:/@"'<>]{0,256}:)([^\s/"'<>]{1,512})@/g;

const AUTHORIZATION =
  /(?<=^|[^A-Za-z0-9_-]|\\[nrt])((?:proxy-)?authorization\\?["']?[ \t]{0,8}[:=][ \t]{0,8}\\?["']?(?:(?:bearer|basic|token|bot|digest|negotiate|apikey|sso-key|dpop)[ \t]{1,8})?)([^\s"'\\,;]+)/gi;

/** A bare `Bearer <token>`; the length keeps "bearer of bad news" readable. */
const BEARER = /(?<=^|[^A-Za-z0-9_-]|\\[nrt])(bearer[ \t]{1,8})([A-Za-z0-9._~+/-]+=*)/gi;

/** `Cookie: a=1; b=2` and `Set-Cookie: sid=…; Path=/`, as a header line or a JSON/YAML field. */
const COOKIE_HEADER =
  /(?<=^|[^A-Za-z0-9_-]|\\[nrt])((?:set-)?cookie\\?["']?[ \t]{0,8}[:=][ \t]{0,8}\\?["']?)([^\n"'\\]{1,4096})/gi;

function maskCookieValues(header: string): string {
  return header.replace(
    /(^|;[ \t]*)([^=;\s]{1,128})=([^;\s]*)/g,
    (whole, lead: string, name: string, value: string) =>
      value === '' || value.startsWith(REDACTED) || COOKIE_ATTRIBUTES.has(name.toLowerCase())
        ? whole
        : `${lead}${name}=${REDACTED}`,
  );
}

/** Mask URL credentials, authorization headers, bearer tokens and cookie values. */
export function redactHeadersAndUrls(text: string): string {
  return (
    text
      // `user:***@host` was masked by whoever wrote it.
      .replace(URL_CREDENTIALS, (m, prefix: string, rest: string) =>
        /^\*+$/.test(rest) ? m : `${prefix}${REDACTED}@`,
      )
      .replace(AUTHORIZATION, (_m, prefix: string) => `${prefix}${REDACTED}`)
      .replace(BEARER, (m, prefix: string, rest: string) => (rest.length >= 16 ? `${prefix}${REDACTED}` : m))
      .replace(COOKIE_HEADER, (_m, prefix: string, value: string) => `${prefix}${maskCookieValues(value)}`)
  );
}
