import type { BundledServer, BundledServerOptions } from '../bundled-server.js';
import { warmOrWarn } from '../bundled-server.js';
import { lazyClient } from '../lazy-client.js';
import type { Logger } from '../../util/log.js';
import { createGitHubServer } from './server.js';
import { gitHubSettingsFromEnv } from './settings-from-env.js';

/** The GitHub server of `sre-agent mcp github`: settings checked now, Octokit loaded once the tools are listed. */
export function startGitHubServer(options: BundledServerOptions, logger: Logger): BundledServer {
  const settings = gitHubSettingsFromEnv(options.env);
  const octokit = lazyClient(async () => (await import('./from-env.js')).gitHubClient(settings, logger));
  return {
    ...createGitHubServer({ octokit: octokit.client, owner: settings.owner, repo: settings.repo }),
    warm: () => warmOrWarn(octokit, 'the GitHub client', logger),
  };
}
