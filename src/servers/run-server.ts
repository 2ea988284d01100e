import type { Readable, Writable } from 'node:stream';

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

import { errorMessage } from '../errors/errors.js';
import { createLogger, type Logger } from '../util/log.js';
import { lazyClient } from './lazy-client.js';
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

/** A client that fails to load is named on stderr now; each tool call retries and reports the error. */
function warmOrWarn(clients: { warm(): Promise<void> }, what: string, logger: Logger): void {
  clients
    .warm()
    .catch((error: unknown) => logger.warn(`loading ${what} failed`, { error: errorMessage(error) }));
}

interface BundledServer {
  server: McpServer;
  cleanup(): Promise<void>;
  /** Loads the vendor client ahead of the first tool call, when the server loads it lazily. */
  warm?: () => void;
}

/**
 * Each server loads only its own vendor client: the Kubernetes client alone takes longer to parse
 * than the rest of the server, and every diagnosis spawns all three servers. Where the settings
 * are known without it, the server answers `initialize` and `tools/list` before loading it.
 */
async function createBundledServer(
  name: BundledServerName,
  options: RunBundledServerOptions,
  logger: Logger,
): Promise<BundledServer> {
  switch (name) {
    case 'kubernetes': {
      const [{ explicitNamespaces, kubeConfigSource }, { createKubernetesServer }] = await Promise.all([
        import('./kubernetes/kubeconfig-source.js'),
        import('./kubernetes/server.js'),
      ]);
      // A missing configuration fails the start, as it would if the client were loaded now.
      kubeConfigSource(options.env);
      const namespaces = explicitNamespaces(options.env, options.namespaces);
      const now = options.now ? { now: options.now } : {};
      if (!namespaces) {
        // Only the kubeconfig's context names the namespace: read it now.
        const { kubernetesDepsFromEnv } = await import('./kubernetes/from-env.js');
        const deps = { ...kubernetesDepsFromEnv(options.env, options.namespaces), ...now };
        logger.info('kubernetes server scope', { namespaces: deps.namespaces });
        return createKubernetesServer(deps);
      }
      const clients = lazyClient(async () =>
        (await import('./kubernetes/from-env.js')).kubernetesClientsFromEnv(options.env),
      );
      const { core, apps, api, authorization, authentication } = clients.client;
      logger.info('kubernetes server scope', { namespaces });
      return {
        ...createKubernetesServer({ core, apps, api, authorization, authentication, namespaces, ...now }),
        warm: () => warmOrWarn(clients, 'the Kubernetes client', logger),
      };
    }
    case 'github': {
      const [{ gitHubSettingsFromEnv }, { createGitHubServer }] = await Promise.all([
        import('./github/settings-from-env.js'),
        import('./github/server.js'),
      ]);
      const settings = gitHubSettingsFromEnv(options.env);
      const octokit = lazyClient(async () =>
        (await import('./github/from-env.js')).gitHubClient(settings, logger),
      );
      return {
        ...createGitHubServer({ octokit: octokit.client, owner: settings.owner, repo: settings.repo }),
        warm: () => warmOrWarn(octokit, 'the GitHub client', logger),
      };
    }
    case 'slack': {
      const [{ slackDeps, slackSettingsFromEnv }, { createSlackServer }] = await Promise.all([
        import('./slack/settings-from-env.js'),
        import('./slack/server.js'),
      ]);
      const settings = slackSettingsFromEnv(options.env);
      const client = lazyClient(async () =>
        (await import('./slack/from-env.js')).slackClient(settings, logger),
      );
      return {
        ...createSlackServer(slackDeps(settings, client.client)),
        warm: () => warmOrWarn(client, 'the Slack client', logger),
      };
    }
  }
}
