import type { Readable, Writable } from 'node:stream';

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

import { errorMessage } from '../errors/errors.js';
import { createLogger, type Logger } from '../util/log.js';
import { trackPendingRequests } from './pending-requests.js';

/** How long answers still being worked on may delay shutdown once the client has gone. */
const drainTimeoutMs = 30_000;

export type BundledServerName = 'kubernetes' | 'github' | 'slack';

export interface RunBundledServerOptions {
  env: Record<string, string | undefined>;
  /** Kubernetes only: the namespaces it may read (else `SRE_AGENT_NAMESPACES`, the context's, `default`). */
  namespaces?: string[];
  logger?: Logger;
  /** Kubernetes only: the clock pod ages are measured against (a replayed scenario's `now`); the system clock if absent. */
  now?: () => Date;
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
  const { server, cleanup } = await createBundledServer(name, options, logger);
  const stdin = options.stdin ?? process.stdin;
  const transport = new StdioServerTransport(stdin, options.stdout ?? process.stdout);
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = resolve;
  });
  server.server.onerror = (error) => logger.warn('MCP protocol error', { error: errorMessage(error) });
  const requests = trackPendingRequests(transport);
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
 * Each server loads only its own vendor client: the Kubernetes client alone takes most of a
 * second to import, and every diagnosis spawns all three servers.
 */
async function createBundledServer(
  name: BundledServerName,
  options: RunBundledServerOptions,
  logger: Logger,
): Promise<{ server: McpServer; cleanup(): Promise<void> }> {
  switch (name) {
    case 'kubernetes': {
      const [{ kubernetesDepsFromEnv }, { createKubernetesServer }] = await Promise.all([
        import('./kubernetes/from-env.js'),
        import('./kubernetes/server.js'),
      ]);
      const deps = {
        ...kubernetesDepsFromEnv(options.env, options.namespaces),
        ...(options.now ? { now: options.now } : {}),
      };
      logger.info('kubernetes server scope', { namespaces: deps.namespaces });
      return createKubernetesServer(deps);
    }
    case 'github': {
      const [{ gitHubDepsFromEnv }, { createGitHubServer }] = await Promise.all([
        import('./github/from-env.js'),
        import('./github/server.js'),
      ]);
      return createGitHubServer(gitHubDepsFromEnv(options.env, logger));
    }
    case 'slack': {
      const [{ slackDepsFromEnv }, { createSlackServer }] = await Promise.all([
        import('./slack/from-env.js'),
        import('./slack/server.js'),
      ]);
      return createSlackServer(slackDepsFromEnv(options.env, logger));
    }
  }
}
