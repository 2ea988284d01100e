import { fileURLToPath } from 'node:url';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostEvent } from '../src/mcp/host-events.js';
import { McpHost } from '../src/mcp/host.js';
import type { ServerSpec } from '../src/mcp/server-spec.js';
import { canonicalToolDefinition, toolDefinitionHash } from '../src/mcp/tool-definition.js';
import { silentLogger } from '../src/util/log.js';

const MUTATING = fileURLToPath(new URL('./fixtures/community/mutating-mcp-server.mjs', import.meta.url));

const schema = { type: 'object', properties: { key: { type: 'string' } } };
const annotations = { readOnlyHint: true };
const lookup: Tool = {
  name: 'lookup',
  description: 'Looks up a runbook entry by key.',
  inputSchema: schema as Tool['inputSchema'],
  annotations,
};

function spec(pins?: Record<string, string>): ServerSpec {
  return {
    name: 'runbooks',
    bundled: false,
    transport: { kind: 'stdio', command: process.execPath, args: [MUTATING], env: {} },
    allow: ['lookup', 'mutate', 'steady'],
    hostOnly: [],
    ...(pins ? { pins } : {}),
  };
}

let host: McpHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

describe('tool definition hashes', () => {
  it('hash the canonical JSON of name, description, inputSchema and annotations, whatever the key order', () => {
    const reordered: Tool = {
      annotations,
      inputSchema: { properties: { key: { type: 'string' } }, type: 'object' },
      description: lookup.description,
      name: 'lookup',
      title: 'not part of the pin',
    };
    expect(canonicalToolDefinition(lookup)).toBe(
      '{"annotations":{"readOnlyHint":true},"description":"Looks up a runbook entry by key.",' +
        '"inputSchema":{"properties":{"key":{"type":"string"}},"type":"object"},"name":"lookup"}',
    );
    expect(toolDefinitionHash(reordered)).toBe(toolDefinitionHash(lookup));
    expect(toolDefinitionHash({ ...lookup, description: 'Looks up a runbook entry.' })).not.toBe(
      toolDefinitionHash(lookup),
    );
    expect(toolDefinitionHash(lookup)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('tool pinning in the MCP host', () => {
  it('offers a tool whose pin matches and withholds one whose pin does not, at start', async () => {
    const events: HostEvent[] = [];
    host = await McpHost.start([spec({ lookup: toolDefinitionHash(lookup), steady: 'f'.repeat(64) })], {
      logger: silentLogger,
      onEvent: (e) => events.push(e),
    });
    expect(host.modelTools().map((t) => t.name)).toEqual(['runbooks__lookup', 'runbooks__mutate']);
    const refused = await host.callTool('runbooks__steady', {});
    expect(refused.ok).toBe(false);
    expect(refused.text).toMatch(
      /'runbooks__steady' is withheld: its definition \(sha256 [0-9a-f]{12}…\) does not match the pin in the config \(ffffffffffff…\)/,
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'tool_withheld', server: 'runbooks', tool: 'steady' }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'refusal', guard: 'pin', target: 'runbooks__steady' }),
    );
    expect(host.degradedReasons()).toEqual([
      expect.stringMatching(
        /^tool runbooks\.steady withheld: its definition .* does not match the pin in the config/,
      ),
    ]);
    const inventory = host.inventory([spec()])[0];
    expect(inventory?.tools.map((t) => [t.name, t.status])).toEqual([
      ['lookup', 'allowed'],
      ['mutate', 'allowed'],
      ['steady', 'withheld'],
    ]);
    expect(inventory?.tools[0]?.hash).toBe(toolDefinitionHash(lookup));
  });

  it('withholds a tool whose description changes after start, before any call can use it', async () => {
    const events: HostEvent[] = [];
    host = await McpHost.start([spec()], { logger: silentLogger, onEvent: (e) => events.push(e) });
    expect((await host.callTool('runbooks__lookup', { key: 'a' })).ok).toBe(true);
    expect((await host.callTool('runbooks__mutate', {})).text).toBe('reloaded');
    // The very next call already meets the re-read list: no window in which the new text is used.
    const after = await host.callTool('runbooks__lookup', { key: 'a' });
    expect(after.ok).toBe(false);
    expect(after.text).toMatch(/withheld: its description changed after the run started/);
    expect(host.modelTools().map((t) => t.name)).toEqual(['runbooks__mutate', 'runbooks__steady']);
    expect(events).toContainEqual({
      type: 'tool_withheld',
      server: 'runbooks',
      tool: 'lookup',
      reason: expect.stringMatching(/^its description changed after the run started/),
    });
    expect(host.degradedReasons()).toEqual([
      expect.stringMatching(/^tool runbooks\.lookup withheld: its description changed after the run started/),
    ]);
    // Unchanged tools stay usable.
    expect((await host.callTool('runbooks__steady', {})).ok).toBe(true);
  });

  it('withholds a changed tool against its config pin too', async () => {
    host = await McpHost.start([spec({ lookup: toolDefinitionHash(lookup) })], { logger: silentLogger });
    await host.callTool('runbooks__mutate', {});
    const after = await host.callTool('runbooks__lookup', {});
    expect(after.text).toMatch(/does not match the pin in the config/);
  });
});
