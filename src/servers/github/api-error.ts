import { errorMessage } from '../../errors/errors.js';

/** The HTTP status of a failed GitHub call (Octokit's RequestError carries it), if any. */
export function gitHubStatus(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number') {
    return error.status;
  }
  return undefined;
}

function responseHeader(error: unknown, name: string): string | undefined {
  const response = (error as { response?: { headers?: Record<string, unknown> } } | null)?.response;
  const value = response?.headers?.[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/**
 * GitHub says "rate limit" with a 403 or a 429 and `x-ratelimit-remaining: 0` (primary limit) or a
 * `retry-after` header (secondary limit), as its REST API docs describe ("Rate limits for the REST
 * API", docs.github.com). The reset time tells the reader when the evidence can be read again.
 */
function rateLimit(error: unknown, status: number): string | undefined {
  const remaining = responseHeader(error, 'x-ratelimit-remaining');
  const retryAfter = responseHeader(error, 'retry-after');
  const message = errorMessage(error);
  if (remaining !== '0' && retryAfter === undefined && !/rate limit/i.test(message)) return undefined;
  const reset = Number(responseHeader(error, 'x-ratelimit-reset'));
  const when =
    Number.isFinite(reset) && reset > 0 ? `; it resets at ${new Date(reset * 1000).toISOString()}` : '';
  const wait = retryAfter ? `; retry after ${retryAfter}s` : '';
  return `GitHub rate limit exceeded (${status})${when}${wait}`;
}

/**
 * One line saying how a GitHub call failed, without Octokit's documentation links. Each starts with
 * `GitHub …` and names the kind of failure (unreachable, token rejected, rate limit, refused,
 * answered N), so that the host can tell a failed read (a gap in the report) from an answer.
 */
export function describeGitHubError(error: unknown): string {
  const status = gitHubStatus(error);
  const message = errorMessage(error).replace(/\s*-\s*https:\/\/docs\.github\.com\S*/g, '');
  if (status === undefined) return `GitHub API unreachable: ${message}`;
  if (status === 401) return `GitHub rejected the token (401): check GITHUB_TOKEN. ${message}`;
  if (status === 403 || status === 429) {
    return (
      rateLimit(error, status) ??
      `GitHub refused the request (${status}): the token lacks access to this repository or resource. ${message}`
    );
  }
  return `GitHub API answered ${status}: ${message}`;
}

/** What GitHub's 404 for a private repository the token cannot see looks like to a reader. */
export function repositoryNotVisible(repository: string): string {
  return `GitHub API answered 404 for the repository ${repository}: it does not exist, or the token cannot see it (check GITHUB_REPOSITORY and the token's access)`;
}
