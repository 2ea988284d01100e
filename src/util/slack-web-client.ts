import type { LogLevel, Logger as SlackLogger, WebClient } from '@slack/web-api';
import type { Logger } from './log.js';

/**
 * The WebClient's own console logger writes info lines to stdout, which belongs to the report
 * (and, in the Slack MCP server, to the protocol): warnings and errors go to ours instead.
 */
export function slackLogger(logger: Logger): SlackLogger {
  // The enum's value, written out so that this module does not load @slack/web-api itself.
  let level = 'warn' as LogLevel;
  return {
    debug: () => {},
    info: () => {},
    warn: (...messages: unknown[]) => logger.warn(messages.map(String).join(' ')),
    error: (...messages: unknown[]) => logger.error(messages.map(String).join(' ')),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

export interface HostSlackOptions {
  /** `SLACK_API_URL`, for a sandbox or a proxy. */
  apiUrl?: string | undefined;
  /** The client retries for half an hour by default; a host call wants few or none. */
  retries: number;
  timeoutMs: number;
  /** Hand a 429 back to the caller instead of waiting inside the client. */
  rejectRateLimitedCalls?: boolean;
}

/**
 * A WebClient for the host's own Slack calls (thread replies, permalinks, approval replies),
 * loaded only when one is made. From the esbuild bundle, a dynamic import of this CommonJS
 * package has only a `default` export, which holds the named ones.
 */
export async function hostSlackClient(
  token: string,
  options: HostSlackOptions,
  logger: Logger,
): Promise<WebClient> {
  const loaded = await import('@slack/web-api');
  const { WebClient: Client } =
    'WebClient' in loaded && loaded.WebClient
      ? loaded
      : (loaded as unknown as { default: typeof loaded }).default;
  const apiUrl = options.apiUrl;
  return new Client(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
    logger: slackLogger(logger),
    retryConfig: { retries: options.retries },
    timeout: options.timeoutMs,
    rejectRateLimitedCalls: options.rejectRateLimitedCalls ?? false,
  });
}
