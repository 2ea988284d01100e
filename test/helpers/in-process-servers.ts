import { PassThrough } from 'node:stream';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { BundledTransport } from '../../src/mcp/connect.js';
import { runBundledServer, type BundledServerName } from '../../src/servers/run-server.js';
import { silentLogger } from '../../src/util/log.js';

/**
 * The client end of a bundled server run in this process: the same newline-delimited JSON-RPC the
 * stdio transport speaks, over a pair of in-memory streams instead of a child's stdin and stdout.
 */
class StreamClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly buffer = new ReadBuffer();
  private closed = false;

  constructor(
    private readonly toServer: PassThrough,
    private readonly fromServer: PassThrough,
    private readonly serving: Promise<void>,
  ) {}

  start(): Promise<void> {
    this.fromServer.on('data', (chunk: Buffer) => {
      this.buffer.append(chunk);
      try {
        for (let message = this.buffer.readMessage(); message; message = this.buffer.readMessage())
          this.onmessage?.(message);
      } catch (error) {
        this.onerror?.(error as Error);
      }
    });
    // A server that stops (or never starts: a missing variable) ends the connection, as a child's exit does.
    this.serving.then(
      () => this.finish(),
      (error: unknown) => {
        this.onerror?.(error instanceof Error ? error : new Error(String(error)));
        this.finish();
      },
    );
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return Promise.reject(new Error('Not connected'));
    this.toServer.write(serializeMessage(message));
    return Promise.resolve();
  }

  close(): Promise<void> {
    // Ending its input is how a stdio server learns the client has gone; it answers what it has
    // read, then stops. Like the stdio client, which does not wait on a child stuck in a hung read,
    // the connection ends now.
    this.toServer.end();
    this.finish();
    return Promise.resolve();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
}

/**
 * Runs a bundled server spec the way `sre-agent mcp <name>` would (same environment, namespaces
 * and pinned clock, read from the spec), but inside the test's process. For tests that replay
 * many scenarios and are not about the process boundary; end-to-end tests keep real processes.
 */
export const inProcessBundledServers: BundledTransport = (spec) => {
  const [, command, name, ...rest] = spec.transport.args;
  if (command !== 'mcp' || (name !== 'kubernetes' && name !== 'github' && name !== 'slack'))
    throw new Error(`not a bundled server command: ${spec.transport.args.join(' ')}`);
  const flag = rest.indexOf('--namespaces');
  const namespaces = flag >= 0 ? rest[flag + 1]?.split(',').filter(Boolean) : undefined;
  const env = spec.transport.env;
  const pinned = env.SRE_AGENT_NOW ? new Date(env.SRE_AGENT_NOW) : undefined;
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const serving = runBundledServer(name as BundledServerName, {
    env,
    ...(namespaces ? { namespaces } : {}),
    ...(pinned ? { now: () => pinned } : {}),
    logger: silentLogger,
    stdin: toServer,
    stdout: fromServer,
  });
  return new StreamClientTransport(toServer, fromServer, serving);
};
