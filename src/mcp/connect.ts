import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../util/log.js';
import type { ServerSpec } from './server-spec.js';

export interface Connection {
  client: Client;
  tools: Tool[];
  /** The last lines the server wrote to stderr, for error messages. */
  stderrTail(): string;
}

const STDERR_LINES_KEPT = 20;

/** Connect one server and list all its tools, following `nextCursor` (the SDK's refresh reads one page). */
export async function connectServer(
  spec: ServerSpec,
  options: {
    logger: Logger;
    signal?: AbortSignal;
    timeoutMs: number;
    clientVersion: string;
    /** Called with the full, re-paginated list after the server says its tools changed. */
    onToolsChanged?: (tools: Tool[]) => void;
  },
): Promise<Connection> {
  const tail: string[] = [];
  const client = new Client({ name: 'sre-agent', version: options.clientVersion }, { capabilities: {} });
  if (spec.transport.kind === 'stdio') {
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
    try {
      await client.connect(transport, { signal: options.signal, timeout: options.timeoutMs });
    } catch (error) {
      // "Connection closed" says nothing; the server's last words usually say why.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const last = tail.at(-1);
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}${last ? `: ${last.slice(0, 500)}` : ''}`,
        {
          cause: error,
        },
      );
    }
  } else {
    const transport = new StreamableHTTPClientTransport(new URL(spec.transport.url), {
      requestInit: { headers: spec.transport.headers },
    });
    await client.connect(transport, { signal: options.signal, timeout: options.timeoutMs });
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
  const tools = await listAll();
  // The SDK's own refresh reads only the first page: re-list every page ourselves.
  client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
    try {
      options.onToolsChanged?.(await listAll());
    } catch (error) {
      options.logger.warn('could not refresh the tool list', { server: spec.name, error: String(error) });
    }
  });
  return { client, tools, stderrTail: () => tail.join('\n') };
}
