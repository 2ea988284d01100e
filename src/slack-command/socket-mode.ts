import { LogLevel, SocketModeClient } from '@slack/socket-mode';
import { errorMessage } from '../errors/errors.js';
import type { Logger } from '../util/log.js';
import type { ResponseMessage } from './response-url.js';

/** What the Socket Mode listener needs of the command server: its one command handler. */
export interface CommandHandler {
  handleCommand(params: URLSearchParams): Promise<ResponseMessage | ''>;
  /** A button click's payload; returns at once, the work goes on behind the acknowledgement. */
  handleInteraction?(payload: unknown): void;
}

export interface SocketModeListener {
  close(): Promise<void>;
}

/**
 * Slash commands over Socket Mode, for an agent with no public endpoint (inside a cluster): the
 * official `@slack/socket-mode` client opens the connection with the app-level token
 * (`apps.connections.open`), reconnects when Slack drops or refreshes it, and hands each
 * `slash_commands` envelope here. The envelope is acknowledged with the same reply the HTTP
 * endpoint would have answered (Slack shows it to the person who asked), through the same queue,
 * cooldown and dispatcher. Slack authenticates the socket, so envelopes carry no signature.
 */
export async function startSocketMode(options: {
  appToken: string;
  /** `SLACK_API_URL`: where `apps.connections.open` is asked (the sandbox's local Slack in tests). */
  slackApiUrl?: string;
  commands: CommandHandler;
  logger: Logger;
}): Promise<SocketModeListener> {
  const { logger } = options;
  const client = new SocketModeClient({
    appToken: options.appToken,
    // Its console logger writes to stdout; ours writes JSON lines to stderr.
    logger: {
      debug: () => {},
      info: (...m: unknown[]) => logger.debug(m.map(String).join(' ')),
      warn: (...m: unknown[]) => logger.warn(m.map(String).join(' ')),
      error: (...m: unknown[]) => logger.error(m.map(String).join(' ')),
      setLevel: () => {},
      getLevel: () => LogLevel.INFO,
      setName: () => {},
    },
    clientOptions: {
      ...(options.slackApiUrl
        ? { slackApiUrl: options.slackApiUrl.endsWith('/') ? options.slackApiUrl : `${options.slackApiUrl}/` }
        : {}),
      retryConfig: { retries: 2 },
      timeout: 10_000,
    },
  });
  client.on(
    'slash_commands',
    async ({ ack, body }: { ack: (payload?: Record<string, unknown>) => Promise<void>; body: unknown }) => {
      try {
        const fields = Object.entries((body ?? {}) as Record<string, unknown>).map(
          ([k, v]) => [k, typeof v === 'string' ? v : String(v)] as [string, string],
        );
        const reply = await options.commands.handleCommand(new URLSearchParams(fields));
        await ack(reply === '' ? undefined : { ...reply });
      } catch (error) {
        logger.error('slash command over Socket Mode failed', { error: errorMessage(error) });
        await ack({ response_type: 'ephemeral', text: ':x: The command could not be handled.' }).catch(
          () => {},
        );
      }
    },
  );
  // Button clicks arrive as `interactive` envelopes whose payload is the block_actions object:
  // acknowledged first, then handled, like the HTTP endpoint (Slack wants the ack within 3 s).
  client.on('interactive', async ({ ack, body }: { ack: () => Promise<void>; body: unknown }) => {
    await ack().catch((error: unknown) =>
      logger.warn('could not acknowledge an interaction', { error: errorMessage(error) }),
    );
    options.commands.handleInteraction?.(body);
  });
  await client.start();
  return {
    close: async () => {
      await client.disconnect();
    },
  };
}
