import type { BundledServer, BundledServerOptions } from '../bundled-server.js';
import { warmOrWarn } from '../bundled-server.js';
import { lazyClient } from '../lazy-client.js';
import type { Logger } from '../../util/log.js';
import { createSlackServer } from './server.js';
import { slackDeps, slackSettingsFromEnv } from './settings-from-env.js';

/** The Slack server of `sre-agent mcp slack`: settings checked now, the WebClient loaded once the tools are listed. */
export function startSlackServer(options: BundledServerOptions, logger: Logger): BundledServer {
  const settings = slackSettingsFromEnv(options.env);
  const client = lazyClient(async () => (await import('./from-env.js')).slackClient(settings, logger));
  return {
    ...createSlackServer(slackDeps(settings, client.client)),
    warm: () => warmOrWarn(client, 'the Slack client', logger),
  };
}
