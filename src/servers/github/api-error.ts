import { errorMessage } from '../../errors/errors.js';

/** The HTTP status of a failed GitHub call (Octokit's RequestError carries it), if any. */
export function gitHubStatus(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number') {
    return error.status;
  }
  return undefined;
}

/** One line saying how a GitHub call failed, without Octokit's documentation links. */
export function describeGitHubError(error: unknown): string {
  const status = gitHubStatus(error);
  const message = errorMessage(error).replace(/\s*-\s*https:\/\/docs\.github\.com\S*/g, '');
  if (status === undefined) return `GitHub API unreachable: ${message}`;
  if (status === 401) return `GitHub rejected the token (401): check GITHUB_TOKEN. ${message}`;
  if (status === 403 || status === 429)
    return `GitHub refused the request (${status}, rate limit or permissions): ${message}`;
  return `GitHub API answered ${status}: ${message}`;
}
