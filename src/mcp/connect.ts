import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ToolListChangedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { errorMessage } from '../errors/errors.js';
import type { Logger } from '../util/log.js';
import type { ServerSpec } from './server-spec.js';
import { reportLines } from './stdio-line-reader.js';

export interface Connection {
  client: Client;
  tools: Tool[];
  /** `stdio`, `streamable-http` or `sse`: what was actually spoken. */
  transport: 'stdio' | 'streamable-http' | 'sse';
  /** The last lines the server wrote to stderr, for error messages. */
  stderrTail(): string;
  /** Resolves once the tool list the server last announced as changed has been re-read. */
  settled(): Promise<void>;
}

export interface ConnectOptions {
  logger: Logger;
  signal?: AbortSignal;
  timeoutMs: number;
  clientVersion: string;
  /** Called with the full, re-paginated list after the server says its tools changed. */
  onToolsChanged?: (tools: Tool[]) => void;
  /** Called once when the connection ends, whoever ended it. */
  onClose?: () => void;
  /** See {@link BundledTransport}: tests only, never set from flags, variables or config. */
  bundledTransport?: BundledTransport;
}

/**
 * A seam for tests: the transport to a bundled server (`spec.bundled`, stdio) run inside this
 * process, instead of spawning `sre-agent mcp <name>`. Tests that are not about the process
 * boundary replay every scenario this way in a fraction of the time; no flag, environment variable
 * or config file can set it, so a user's run always gets the bundled servers' process isolation.
 */
export type BundledTransport = (spec: ServerSpec & { transport: { kind: 'stdio' } }) => Transport;

const STDERR_LINES_KEPT = 20;
/**
 * After a line on stdout that is not JSON-RPC, how long to wait for a real message before giving
 * up on the connection. A server that logs a banner there and then speaks MCP still connects
 * (with a warning); one whose every line is noise fails in this time, not at the connect timeout.
 */
const STDOUT_NOISE_GRACE_MS = 2_000;

const quoteLine = (line: string) => JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line);

const newClient = (version: string) => new Client({ name: 'sre-agent', version }, { capabilities: {} });

async function connectStdio(
  spec: ServerSpec & { transport: { kind: 'stdio' } },
  client: Client,
  options: ConnectOptions,
  tail: string[],
): Promise<void> {
  const transport = new StdioClientTransport({
    command: spec.transport.command,
    args: spec.transport.args,
    env: spec.transport.env,
    cwd: spec.transport.cwd,
    stderr: 'pipe',
  });
  // Drain stderr always: a full pipe would stall the server.
  transport.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > STDERR_LINES_KEPT) tail.shift();
      options.logger.debug('mcp server stderr', { server: spec.name, line });
    }
  });
  // An MCP stdio server may write nothing but JSON-RPC to stdout. One that writes anything else
  // there is named with what it wrote; if no real message follows, the connection is given up.
  let noise: string | undefined;
  let sawMessage = false;
  let connecting = true;
  const giveUp = new AbortController();
  let graceTimer: NodeJS.Timeout | undefined;
  const onNoise = (line: string | undefined) => {
    if (noise !== undefined) return;
    noise = line ?? '(a line that is not JSON-RPC)';
    options.logger.warn('MCP server wrote non-JSON-RPC output to stdout', { server: spec.name, line: noise });
    if (connecting && !sawMessage)
      graceTimer = setTimeout(() => sawMessage || giveUp.abort(), STDOUT_NOISE_GRACE_MS);
  };
  reportLines(transport, (line, isMessage) => (isMessage ? (sawMessage = true) : onNoise(line)));
  // Where the reader could not be replaced, a parse failure still arrives as an error.
  transport.onerror = (error) => {
    if (error instanceof SyntaxError || (error as { name?: string }).name === 'ZodError') onNoise(undefined);
  };
  const signal = options.signal ? AbortSignal.any([options.signal, giveUp.signal]) : giveUp.signal;
  try {
    await client.connect(transport, { signal, timeout: options.timeoutMs });
  } catch (error) {
    if (noise !== undefined) {
      throw new Error(
        `server ${spec.name} wrote non-JSON-RPC output to stdout: ${quoteLine(noise)} ` +
          '(a stdio MCP server must write only JSON-RPC messages there; logs belong on stderr)',
        { cause: error },
      );
    }
    // "Connection closed" says nothing; the server's last words usually say why.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const last = tail.at(-1);
    throw new Error(`${errorMessage(error)}${last ? `: ${last.slice(0, 500)}` : ''}`, { cause: error });
  } finally {
    connecting = false;
    clearTimeout(graceTimer);
  }
}

/**
 * Streamable HTTP first; a server that answers its POST with a 4xx (an older server that speaks
 * only HTTP+SSE) gets the SSE transport instead, as the MCP specification advises clients to do.
 */
async function connectHttp(
  spec: ServerSpec & { transport: { kind: 'http' } },
  options: ConnectOptions,
): Promise<{ client: Client; transport: 'streamable-http' | 'sse' }> {
  const url = new URL(spec.transport.url);
  const requestInit = { headers: spec.transport.headers };
  const connectOptions = { signal: options.signal, timeout: options.timeoutMs };
  if (spec.transport.mode !== 'sse') {
    const client = newClient(options.clientVersion);
    try {
      await client.connect(new StreamableHTTPClientTransport(url, { requestInit }), connectOptions);
      return { client, transport: 'streamable-http' };
    } catch (error) {
      const status = (error as { code?: unknown }).code;
      if (!(typeof status === 'number' && status >= 400 && status < 500)) throw error;
      options.logger.debug('Streamable HTTP refused; trying HTTP+SSE', { server: spec.name, status });
      await client.close().catch(() => undefined);
    }
  }
  const client = newClient(options.clientVersion);
  await client.connect(new SSEClientTransport(url, { requestInit }), connectOptions);
  return { client, transport: 'sse' };
}

/** Connect one server and list all its tools, following `nextCursor` (the SDK's refresh reads one page). */
export async function connectServer(spec: ServerSpec, options: ConnectOptions): Promise<Connection> {
  const tail: string[] = [];
  let client: Client;
  let transport: Connection['transport'];
  if (spec.transport.kind === 'stdio' && spec.bundled && options.bundledTransport) {
    client = newClient(options.clientVersion);
    const inProcess = options.bundledTransport(spec as ServerSpec & { transport: { kind: 'stdio' } });
    await client.connect(inProcess, { signal: options.signal, timeout: options.timeoutMs });
    transport = 'stdio';
  } else if (spec.transport.kind === 'stdio') {
    client = newClient(options.clientVersion);
    await connectStdio(spec as ServerSpec & { transport: { kind: 'stdio' } }, client, options, tail);
    transport = 'stdio';
  } else {
    ({ client, transport } = await connectHttp(
      spec as ServerSpec & { transport: { kind: 'http' } },
      options,
    ));
  }
  const listAll = async (): Promise<Tool[]> => {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, { timeout: options.timeoutMs });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  };
  let tools: Tool[];
  try {
    tools = await listAll();
  } catch (error) {
    // A server that connected but cannot list its tools is of no use: stop it rather than leak it.
    await client.close().catch(() => undefined);
    throw error;
  }
  // The SDK's own refresh reads only the first page: re-list every page ourselves. Calls wait for
  // the re-read (`settled`), so none goes out on a definition the server has just replaced.
  let refreshing: Promise<void> = Promise.resolve();
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    refreshing = refreshing.then(async () => {
      try {
        options.onToolsChanged?.(await listAll());
      } catch (error) {
        options.logger.warn('could not refresh the tool list', { server: spec.name, error: String(error) });
      }
    });
  });
  client.onclose = () => options.onClose?.();
  return { client, tools, transport, stderrTail: () => tail.join('\n'), settled: () => refreshing };
}
