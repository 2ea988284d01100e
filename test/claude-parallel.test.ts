import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaudeEngine } from '../src/agent/claude-engine.js';
import { run } from '../src/agent/run.js';
import { loadSettings } from '../src/config/load.js';
import { AnthropicModel } from '../src/llm/anthropic/anthropic-model.js';
import { McpHost } from '../src/mcp/host.js';
import { silentLogger } from '../src/util/log.js';
import { startFakeMessagesApi, type FakeMessagesApi } from './fakes/fake-messages-api.js';
import { goodSubmission, toolResults, toolUse } from './helpers/scripted-models.js';

const SLOW_SERVER = fileURLToPath(new URL('./fixtures/servers/slow-mcp-server.mjs', import.meta.url));

describe('parallel tool calls', () => {
  let fake: FakeMessagesApi;
  let host: McpHost;
  beforeAll(async () => {
    fake = await startFakeMessagesApi({
      script: (_request, index) =>
        index === 0
          ? { content: ['probe_a', 'probe_b', 'probe_c', 'probe_d'].map((t) => toolUse(`slow__${t}`, {})) }
          : { content: [toolUse('submit_diagnosis', goodSubmission)] },
    });
    host = await McpHost.start(
      [
        {
          name: 'slow',
          bundled: false,
          transport: { kind: 'stdio', command: process.execPath, args: [SLOW_SERVER], env: {} },
          allow: ['probe_a', 'probe_b', 'probe_c', 'probe_d'],
          hostOnly: [],
        },
      ],
      { logger: silentLogger },
    );
  });
  afterAll(async () => {
    await host.close();
    await fake.close();
  });

  it('runs every tool call of a turn at once and sends all results back in one message', async () => {
    const env = { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url };
    const settings = await loadSettings({ service: 'cart-service', llm: 'anthropic', slack: false }, env);
    const engine = new ClaudeEngine(new AnthropicModel({ env, model: settings.model }), {
      promptCache: true,
      effort: 'medium',
    });
    const { report } = await run(
      { service: 'cart-service', source: 'cli', dedupeKey: 'test' },
      { settings, host, engine, logger: silentLogger, now: new Date() },
    );
    expect(report.status).toBe('diagnosed');
    expect(report.usage.toolCalls).toBe(4);
    const second = fake.requests[1]?.body;
    expect(second).toBeDefined();
    const results = toolResults(second!);
    expect(results).toHaveLength(4);
    // Each result says how many calls were in flight at once: all four, had they run in parallel.
    const maxima = results.map((r) => Number(r.match(/"maxInFlight":(\d+)/)?.[1]));
    expect(Math.max(...maxima)).toBe(4);
    // All four results travel in the one user message that follows the assistant's turn.
    const last = second!.messages.at(-1);
    expect(last?.role).toBe('user');
    expect(Array.isArray(last?.content) && last.content.every((b) => b.type === 'tool_result')).toBe(true);
  });
});
