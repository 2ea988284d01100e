import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

import { errorMessage } from '../errors/errors.js';
import type { Logger } from '../util/log.js';

/** What starting one bundled server needs: its environment, and the Kubernetes server's scope and clock. */
export interface BundledServerOptions {
  env: Record<string, string | undefined>;
  /** Kubernetes only: the namespaces it may read (else `SRE_AGENT_NAMESPACES`, the context's, `default`). */
  namespaces?: string[];
  /** Kubernetes only: the clock pod ages are measured against; the system clock if absent. */
  now?: () => Date;
}

/** A bundled server, ready to connect to a transport. */
export interface BundledServer {
  server: McpServer;
  cleanup(): Promise<void>;
  /** Loads the vendor client ahead of the first tool call, when the server loads it lazily. */
  warm?: () => void;
}

/** A client that fails to load is named on stderr now; each tool call retries and reports the error. */
export function warmOrWarn(client: { warm(): Promise<void> }, what: string, logger: Logger): void {
  client
    .warm()
    .catch((error: unknown) => logger.warn(`loading ${what} failed`, { error: errorMessage(error) }));
}
