import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../src/config/load.js';
import { McpHost } from '../src/mcp/host.js';
import { serverSpecs } from '../src/mcp/server-specs.js';
import { silentLogger } from '../src/util/log.js';

/** An MCP server with one read tool that answers with the Authorization header it was sent. */
function mcpServer(seen: () => string | undefined): McpServer {
  const server = new McpServer({ name: 'remote', version: '1.0.0' });
  server.registerTool(
    'whoami',
    { description: 'Says who called.', annotations: { readOnlyHint: true } },
    async () => ({ content: [{ type: 'text', text: `authorization: ${seen() ?? 'none'}` }] }),
  );
  server.registerTool('drop_tables', { description: 'Not allowlisted.' }, async () => ({
    content: [{ type: 'text', text: 'dropped' }],
  }));
  return server;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const headersSeen: string[] = [];
let streamable: { server: Server; url: string };
let sseOnly: { server: Server; url: string };

beforeAll(async () => {
  // Streamable HTTP, stateless: a fresh server and transport per request.
  streamable = await listen((req, res) => {
    const auth = req.headers.authorization;
    headersSeen.push(`streamable ${auth ?? 'none'}`);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    const server = mcpServer(() => auth);
    res.on('close', () => void transport.close());
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  });
  // An older server that speaks only HTTP+SSE: a POST to its endpoint is refused with 405.
  const sessions = new Map<string, SSEServerTransport>();
  sseOnly = await listen((req, res) => {
    const auth = req.headers.authorization;
    const url = new URL(req.url ?? '/', 'http://x');
    headersSeen.push(`sse ${req.method} ${url.pathname} ${auth ?? 'none'}`);
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      sessions.set(transport.sessionId, transport);
      void mcpServer(() => auth).connect(transport);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/messages') {
      const transport = sessions.get(url.searchParams.get('sessionId') ?? '');
      if (transport) return void transport.handlePostMessage(req, res);
    }
    res.writeHead(405).end();
  });
});
afterAll(async () => {
  for (const s of [streamable, sseOnly]) {
    s.server.closeAllConnections();
    await new Promise((r) => s.server.close(r));
  }
});

let host: McpHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function hostFor(url: string, extra: Record<string, unknown> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'sre-http-'));
  const file = path.join(dir, 'remote.json');
  await writeFile(
    file,
    JSON.stringify({
      mcpServers: {
        remote: { url, headers: { Authorization: 'Bearer ${REMOTE_TOKEN}' }, tools: ['whoami'], ...extra },
      },
    }),
  );
  const settings = await loadSettings({ service: 'cart', config: file }, { REMOTE_TOKEN: 's3cret-token' });
  const specs = (await serverSpecs(settings)).filter((s) => s.name === 'remote');
  host = await McpHost.start(specs, { logger: silentLogger });
  return { host, specs };
}

describe('HTTP MCP servers from the config', () => {
  it('speaks Streamable HTTP with the configured headers, ${VAR} filled from the environment', async () => {
    const { host, specs } = await hostFor(`${streamable.url}/mcp`);
    expect(host.failures).toEqual([]);
    expect(host.modelTools().map((t) => t.name)).toEqual(['remote__whoami']);
    const answer = await host.callTool('remote__whoami', {});
    // The token reaches the server; echoed back, it is masked before anything else sees it.
    expect(answer.text).toBe('authorization: Bearer [REDACTED]');
    expect(headersSeen).toContain('streamable Bearer s3cret-token');
    expect(host.inventory(specs)[0]).toMatchObject({ transport: 'streamable-http' });
    expect((await host.callTool('remote__drop_tables', {})).text).toMatch(/not an allowed tool/);
  });

  it('falls back to HTTP+SSE when the server refuses Streamable HTTP, keeping the headers', async () => {
    const { host, specs } = await hostFor(`${sseOnly.url}/sse`);
    expect(host.failures).toEqual([]);
    expect(host.inventory(specs)[0]).toMatchObject({ transport: 'sse' });
    expect((await host.callTool('remote__whoami', {})).ok).toBe(true);
    expect(headersSeen).toContain('sse POST /sse Bearer s3cret-token'); // the refused Streamable HTTP attempt
    expect(headersSeen).toContain('sse GET /sse Bearer s3cret-token');
    expect(headersSeen).toContain('sse POST /messages Bearer s3cret-token');
  });

  it('uses SSE straight away for `type: sse`', async () => {
    const attempts = () => headersSeen.filter((h) => h.startsWith('sse POST /sse')).length;
    const before = attempts();
    const { host, specs } = await hostFor(`${sseOnly.url}/sse`, { type: 'sse' });
    expect(host.inventory(specs)[0]).toMatchObject({ transport: 'sse' });
    expect((await host.callTool('remote__whoami', {})).ok).toBe(true);
    // No Streamable HTTP attempt first.
    expect(attempts()).toBe(before);
  });

  it('records a server that cannot be reached, without failing the others', async () => {
    const { host } = await hostFor('http://127.0.0.1:9/mcp');
    expect(host.failures.map((f) => f.server)).toEqual(['remote']);
  });
});
