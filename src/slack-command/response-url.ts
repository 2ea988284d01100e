import { errorMessage } from '../errors/errors.js';
import type { Logger } from '../util/log.js';

/** A message for a slash command's `response_url`. */
export interface ResponseMessage {
  text: string;
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
}

/**
 * POST a JSON message to a slash command's `response_url` (Slack allows five within 30 minutes).
 * Never throws: a lost progress message is logged, not fatal.
 */
export async function postToResponseUrl(
  url: string,
  message: ResponseMessage,
  options: { logger: Logger; fetch?: typeof fetch; timeoutMs?: number },
): Promise<boolean> {
  const doFetch = options.fetch ?? fetch;
  try {
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, ...message }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    await response.arrayBuffer();
    if (!response.ok) options.logger.warn('response_url refused the message', { status: response.status });
    return response.ok;
  } catch (error) {
    options.logger.warn('response_url could not be reached', { error: errorMessage(error) });
    return false;
  }
}

/**
 * Whether a response URL from an event (not from a verified Slack request) may be posted to:
 * Slack's own hooks, or a prefix the operator allows (`SRE_AGENT_RESPONSE_URL_PREFIX`, for tests and
 * proxies). Anything else would let whoever writes the event make the agent post anywhere.
 */
export function isAllowedResponseUrl(url: string, allowedPrefix: string | undefined): boolean {
  if (url.startsWith('https://hooks.slack.com/')) return true;
  return Boolean(allowedPrefix) && url.startsWith(allowedPrefix as string);
}
