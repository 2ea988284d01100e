import type { ToolOutcome } from '../../normalize-result.js';
import type { AdaptedResult } from '../capability.js';

/**
 * A failed call of a GitHub server that speaks the REST API's shapes, in the words our own GitHub
 * server uses, so that the run names the fault the same way whichever server stood behind it: an
 * unreachable API, a rejected token or a rate limit is a fault (a gap of the report), a 404 an answer.
 */
export function githubFailure(outcome: ToolOutcome, what: string): AdaptedResult {
  const said = (outcome.error ?? outcome.text).replace(/^Tool call failed: /, '').split('\n')[0] ?? '';
  let error: string;
  if (
    /fetch failed|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|getaddrinfo|socket hang up/i.test(
      said,
    )
  )
    error = `GitHub API unreachable: ${said}`;
  else if (/rate limit/i.test(said)) error = `GitHub rate limit exceeded: ${said}`;
  else if (/Bad credentials|Authentication Failed|\b401\b/i.test(said))
    error = `GitHub rejected the token: ${said}`;
  else if (/timed out or was cancelled|not connected|stopped during the run/i.test(said)) error = said;
  else if (/\bNot Found\b|\b404\b/i.test(said)) error = `${what} not found: ${said}`;
  else error = `GitHub refused the request: ${said}`;
  return { ok: false, text: `Could not read ${what}: ${error}`, error };
}

/** The JSON a REST-shaped server answers with: its text, or the text of its first JSON block. */
export function jsonOf(outcome: ToolOutcome): unknown {
  if (outcome.structured && !('ok' in outcome.structured)) return outcome.structured;
  const text = outcome.text.trim();
  for (const candidate of [text, text.slice(text.search(/[[{]/))]) {
    try {
      return JSON.parse(candidate) as unknown;
    } catch {
      // not JSON from here; try the next start
    }
  }
  return undefined;
}

export const record = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

export const str = (value: unknown): string => (typeof value === 'string' ? value : '');
