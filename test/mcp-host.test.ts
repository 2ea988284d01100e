import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostEvent } from '../src/mcp/host-events.js';
import { McpHost } from '../src/mcp/host.js';
import { silentLogger } from '../src/util/log.js';

const PAGED = fileURLToPath(new URL('./fixtures/servers/paged-mcp-server.mjs', import.meta.url));

describe('the MCP host against a real stdio server', () => {
  let host: McpHost;
  const events: HostEvent[] = [];
  beforeAll(async () => {
    host = await McpHost.start(
      [
        {
          name: 'paged',
          bundled: false,
          transport: { kind: 'stdio', command: process.execPath, args: [PAGED], env: {} },
          allow: [
            'echo',
            'fails_is_error',
            'fails_rpc',
            'fails_ok_false',
            'slow',
            'grow',
            'leak',
            'late_tool',
            'cancellations',
          ],
          hostOnly: [],
        },
        {
          name: 'missing',
          bundled: false,
          transport: { kind: 'stdio', command: '/nonexistent/mcp-server', args: [], env: {} },
          allow: ['x'],
          hostOnly: [],
        },
      ],
      { logger: silentLogger, onEvent: (e) => events.push(e), callTimeoutMs: 5_000 },
    );
  });
  afterAll(() => host.close());

  it('reads every page of the tool list and shows only allowlisted tools, namespaced and sorted', () => {
    const names = host.modelTools().map((t) => t.name);
    expect(names).toEqual([
      'paged__cancellations',
      'paged__echo',
      'paged__fails_is_error',
      'paged__fails_ok_false',
      'paged__fails_rpc',
      'paged__grow',
      'paged__leak',
      'paged__slow',
    ]);
  });

  it('records a server that cannot start instead of failing the run', () => {
    expect(host.failures.map((f) => f.server)).toEqual(['missing']);
    expect(events.some((e) => e.type === 'server_failed' && e.server === 'missing')).toBe(true);
  });

  it('refuses a tool that is not allowlisted, without calling it', async () => {
    const outcome = await host.callTool('paged__delete_everything', {});
    expect(outcome.ok).toBe(false);
    expect(outcome.text).toMatch(/not an allowed tool/);
    expect(events.some((e) => e.type === 'refusal' && e.target === 'paged__delete_everything')).toBe(true);
  });

  it('normalises every way a server reports failure', async () => {
    const isError = await host.callTool('paged__fails_is_error', {});
    const rpc = await host.callTool('paged__fails_rpc', {});
    const okFalse = await host.callTool('paged__fails_ok_false', {});
    const slow = await host.callTool('paged__slow', {}, { timeoutMs: 200 });
    expect([isError.ok, rpc.ok, okFalse.ok, slow.ok]).toEqual([false, false, false, false]);
    expect(isError.error).toMatch(/pod not found/);
    expect(rpc.error).toMatch(/pod is required/);
    expect(okFalse.error).toBe('upstream said no');
    expect(slow.error).toMatch(/timed out or was cancelled/);
    const echo = await host.callTool('paged__echo', { a: 1 });
    expect(echo).toMatchObject({ ok: true, structured: { a: 1 } });
  });

  it('masks secrets in tool output and remembers them', async () => {
    const leak = await host.callTool('paged__leak', {});
    expect(leak.text).not.toContain('hunter2hunter2');
    expect(host.secrets.scrub('the password was hunter2hunter2')).not.toContain('hunter2hunter2');
  });

  it('cancels a call only while it is in flight, never one already answered', async () => {
    const cancellations = async () =>
      (JSON.parse((await host.callTool('paged__cancellations', {})).text) as unknown[]).length;
    const before = await cancellations();
    const later = new AbortController();
    expect((await host.callTool('paged__echo', { n: 1 }, { signal: later.signal })).ok).toBe(true);
    later.abort(new Error('the run ended'));
    const inFlight = new AbortController();
    const slow = host.callTool('paged__slow', {}, { signal: inFlight.signal });
    await new Promise((r) => setTimeout(r, 100));
    inFlight.abort(new Error('deadline'));
    expect((await slow).ok).toBe(false);
    // One more cancellation: the slow call's. The answered echo is never cancelled afterwards.
    expect((await cancellations()) - before).toBe(1);
  });

  it('re-reads every page of the tool list when the server says it changed', async () => {
    expect(host.modelTools().some((t) => t.name === 'paged__late_tool')).toBe(false);
    await host.callTool('paged__grow', {});
    const deadline = Date.now() + 5000;
    while (!host.modelTools().some((t) => t.name === 'paged__late_tool') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(host.modelTools().map((t) => t.name)).toContain('paged__late_tool');
    expect(events.some((e) => e.type === 'tools_changed' && e.server === 'paged')).toBe(true);
  });
});
