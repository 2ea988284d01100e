import { Octokit } from '@octokit/rest';

import type { Logger } from '../../util/log.js';
import type { GitHubServerDeps } from './deps.js';
import { gitHubSettingsFromEnv, type GitHubSettings } from './settings-from-env.js';

type Env = Record<string, string | undefined>;

/** An Octokit and the repository from `GITHUB_TOKEN`, `GITHUB_REPOSITORY` and `GITHUB_API_URL` (DESIGN.md 4.2). */
export function gitHubDepsFromEnv(env: Env, logger: Logger): GitHubServerDeps {
  const settings = gitHubSettingsFromEnv(env);
  return { octokit: gitHubClient(settings, logger), owner: settings.owner, repo: settings.repo };
}

/** The Octokit for `settings`. */
export function gitHubClient(settings: GitHubSettings, logger: Logger): Octokit {
  return new Octokit({
    auth: settings.token,
    baseUrl: settings.baseUrl,
    userAgent: 'sre-agent',
    // Octokit logs through console by default; route it to the stderr logger.
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
  });
}
