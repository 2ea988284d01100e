import { Octokit } from '@octokit/rest';

import { UsageError } from '../../errors/errors.js';
import type { Logger } from '../../util/log.js';
import type { GitHubServerDeps } from './deps.js';

type Env = Record<string, string | undefined>;

/** An Octokit and the repository from `GITHUB_TOKEN`, `GITHUB_REPOSITORY` and `GITHUB_API_URL` (DESIGN.md 4.2). */
export function gitHubDepsFromEnv(env: Env, logger: Logger): GitHubServerDeps {
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
  const octokit = new Octokit({
    auth: token,
    baseUrl: (env['GITHUB_API_URL'] || 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: 'sre-agent',
    // Octokit logs through console by default; route it to the stderr logger.
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
  });
  return { octokit, owner: match[1], repo: match[2] };
}
