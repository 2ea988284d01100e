import type { Readable, Writable } from 'node:stream';

import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

import { errorMessage } from '../errors/errors.js';
import { createLogger, type Logger } from '../util/log.js';
import type { BundledServer, BundledServerOptions } from './bundled-server.js';
import { trackPendingRequests } from './pending-requests.js';

/** How long answers still being worked on may delay shutdown once the client has gone. */
const drainTimeoutMs = 30_000;

export type BundledServerName = 'kubernetes' | 'github' | 'slack';

export interface RunBundledServerOptions extends BundledServerOptions {
  logger?: Logger;
  /** The protocol streams; the process's stdin and stdout unless given. */
  stdin?: Readable;
  stdout?: Writable;
}

/**
 * Runs one bundled MCP server over stdio (`sre-agent mcp <name>`) until the client goes away.
 * Vendor clients are built from `options.env`; a missing variable throws `UsageError` naming it.
 * Logs go to stderr: stdout carries the protocol.
 */
export async function runBundledServer(
  name: BundledServerName,
  options: RunBundledServerOptions,
): Promise<void> {
  const logger = options.logger ?? createLogger({ name: `mcp-${name}` });
  const { server, cleanup, warm } = await createBundledServer(name, options, logger);
  const stdin = options.stdin ?? process.stdin;
  const transport = new StdioServerTransport(stdin, options.stdout ?? process.stdout);
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = resolve;
  });
  server.server.onerror = (error) => logger.warn('MCP protocol error', { error: errorMessage(error) });
  const requests = trackPendingRequests(transport);
  // The vendor client loads once the tools are listed: the client's start-up is not kept waiting
  // for it, and it is most likely ready by the first tool call.
  if (warm) afterFirstListing(transport, warm);
  // The SDK's stdio transport does not notice the end of its input: close the server ourselves,
  // once the requests already read have been answered.
  let ending = false;
  const onInputEnd = () => {
    if (ending) return;
    ending = true;
    requests
      .idle(drainTimeoutMs)
      .then(() => cleanup())
      .catch((error: unknown) =>
        logger.warn('closing the MCP server failed', { error: errorMessage(error) }),
      );
  };
  stdin.once('end', onInputEnd);
  stdin.once('close', onInputEnd);
  try {
    await server.connect(transport);
    logger.info(`bundled ${name} MCP server ready on stdio`);
    await closed;
  } finally {
    stdin.off('end', onInputEnd);
    stdin.off('close', onInputEnd);
  }
}

/**
 * Calls `warm` (once) right after the answer to the first `tools/list` has been written.
 * Call before `server.connect(transport)`, as `trackPendingRequests`.
 */
function afterFirstListing(transport: Transport, warm: () => void): void {
  const listings = new Set<string | number>();
  let warmed = false;
  const onmessage = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if ('method' in message && message.method === 'tools/list' && 'id' in message) listings.add(message.id);
    onmessage?.(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message, sendOptions) => {
    await send(message, sendOptions);
    if (warmed || 'method' in message || !('id' in message) || message.id === undefined) return;
    if (!listings.has(message.id)) return;
    warmed = true;
    // After this turn: the answer is on its way before the client is parsed.
    setImmediate(warm);
  };
}

/**
 * Each server loads only its own code and vendor client (each has a bundle of its own, built with
 * the other two left out: see scripts/bundle-cli.mjs), and every diagnosis spawns all three.
 */
async function createBundledServer(
  name: BundledServerName,
  options: RunBundledServerOptions,
  logger: Logger,
): Promise<BundledServer> {
  switch (name) {
    case 'kubernetes':
      return (await import('./kubernetes/start.js')).startKubernetesServer(options, logger);
    case 'github':
      return (await import('./github/start.js')).startGitHubServer(options, logger);
    case 'slack':
      return (await import('./slack/start.js')).startSlackServer(options, logger);
  }
}
