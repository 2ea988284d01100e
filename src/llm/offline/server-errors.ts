import type { PodLog } from './facts.js';
import { quote } from './quote.js';

/**
 * The HTTP status of a request log line, in the shapes servers and frameworks print: logfmt and
 * JSON fields (`status=502`, `"statusCode":500`), the Common Log Format (`"GET / HTTP/1.1" 503 12`),
 * Rails (`Completed 500 Internal Server Error`), Go and .NET request lines (`… responded 500 in …`).
 */
const STATUS = [
  /\b(?:status|status_?code|http_?status|response_?code|res\.statusCode|sc)["']?\s*[=:]\s*["']?([1-5]\d\d)\b/i,
  /HTTP\/\d(?:\.\d)?"?\s+([1-5]\d\d)\s+(?:\d+|-)/,
  /\bCompleted ([1-5]\d\d) [A-Z]/,
  /\bresponded ([1-5]\d\d)\b/i,
];

function statusOf(line: string): number | undefined {
  for (const pattern of STATUS) {
    const m = line.match(pattern);
    if (m?.[1]) return Number(m[1]);
  }
  return undefined;
}

/** How many of the most recent requests are judged: old failures the service got past do not count. */
const RECENT_REQUESTS = 50;

/**
 * Requests the service answers with a server error (5xx) now: at least five among its most recent
 * requests and a fifth of them, per pod. A service that answers 5xx is not healthy whatever else
 * its logs say, even when nothing logs an error beside the request line.
 */
export function serverErrors(logs: readonly PodLog[]): { count: number; sample: string; pod: string } | null {
  let worst: { count: number; sample: string; pod: string } | null = null;
  for (const log of logs) {
    if (log.previous) continue;
    const requests = log.text
      .split('\n')
      .map((line) => ({ line, status: statusOf(line) }))
      .filter((r) => r.status !== undefined)
      .slice(-RECENT_REQUESTS);
    const failed = requests.filter((r) => (r.status ?? 0) >= 500);
    if (failed.length < 5 || failed.length * 5 < requests.length) continue;
    if (!worst || failed.length > worst.count)
      worst = { count: failed.length, sample: quote(failed.at(-1)?.line.trim() ?? '', 200), pod: log.pod };
  }
  return worst;
}
