import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectServer } from '../src/mcp/connect.js';
import type { ServerSpec } from '../src/mcp/server-spec.js';
import type { Logger } from '../src/util/log.js';

const NOISY = fileURLToPath(new URL('./fixtures/servers/noisy-stdout-server.mjs', import.meta.url));

function noisy(mode: string): ServerSpec {
  return {
    name: 'noisy',
    bundled: false,
    transport: { kind: 'stdio', command: process.execPath, args: [NOISY, mode], env: {} },
    allow: ['echo'],
    hostOnly: [],
  };
}

function recordingLogger(): Logger & { warnings: { msg: string; fields?: Record<string, unknown> }[] } {
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  return {
    debug() {},
    info() {},
    error() {},
    warn: (msg, fields) => warnings.push({ msg, fields }),
    warnings,
  };
}

describe('a stdio MCP server that writes something else to stdout', () => {
  it('is named with the line it wrote, within seconds rather than at the connect timeout', async () => {
    const started = Date.now();
    const failure = await connectServer(noisy('noise-only'), {
      logger: recordingLogger(),
      timeoutMs: 20_000,
      clientVersion: 'test',
    }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(
      /^server noisy wrote non-JSON-RPC output to stdout: "INFO starting kubernetes server, listening on stdio"/,
    );
    expect(failure?.message).toMatch(/logs belong on stderr/);
    expect(failure?.message).not.toMatch(/timed out/i);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('still connects when real JSON-RPC follows a stray line, with one warning naming it', async () => {
    const logger = recordingLogger();
    const connection = await connectServer(noisy('banner'), {
      logger,
      timeoutMs: 20_000,
      clientVersion: 'test',
    });
    try {
      expect(connection.tools.map((t) => t.name)).toEqual(['echo']);
      expect(logger.warnings).toEqual([
        {
          msg: 'MCP server wrote non-JSON-RPC output to stdout',
          fields: { server: 'noisy', line: 'INFO starting kubernetes server, listening on stdio' },
        },
      ]);
      const result = await connection.client.callTool({ name: 'echo', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'ok' }]);
    } finally {
      await connection.client.close();
    }
  });
});
