import { UsageError } from '../../errors/errors.js';

type Env = Record<string, string | undefined>;

/** What the GitHub server reads from its environment, checked without loading Octokit. */
export interface GitHubSettings {
  token: string;
  owner: string;
  repo: string;
  /** `GITHUB_API_URL` without a trailing slash, else the public API. */
  baseUrl: string;
}

/**
 * `GITHUB_TOKEN`, `GITHUB_REPOSITORY` (owner/repo) and `GITHUB_API_URL` (DESIGN.md 4.2). A missing
 * or malformed one throws `UsageError` naming it.
 */
export function gitHubSettingsFromEnv(env: Env): GitHubSettings {
  const repository = env['GITHUB_REPOSITORY'];
  if (!repository)
    throw new UsageError('GITHUB_REPOSITORY is not set: give the application repository as owner/repo');
  const match = /^([\w.-]+)\/([\w.-]+)$/.exec(repository.trim());
  if (!match?.[1] || !match[2]) {
    throw new UsageError(`GITHUB_REPOSITORY must be owner/repo, got '${repository}'`);
  }
  const token = env['GITHUB_TOKEN'];
  if (!token)
    throw new UsageError('GITHUB_TOKEN is not set: the GitHub server needs a token to read and search code');
  return {
    token,
    owner: match[1],
    repo: match[2],
    baseUrl: (env['GITHUB_API_URL'] || 'https://api.github.com').replace(/\/+$/, ''),
  };
}
