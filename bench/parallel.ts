import path from 'node:path';
import { ClaudeEngine } from '../dist/agent/claude-engine.js';
import { run } from '../dist/agent/run.js';
import { loadSettings } from '../dist/config/load.js';
import { AnthropicModel } from '../dist/llm/anthropic/anthropic-model.js';
import { McpHost } from '../dist/mcp/host.js';
import { silentLogger } from '../dist/util/log.js';
import { startFakeMessagesApi } from '../test/fakes/fake-messages-api.js';
import { goodSubmission, toolUse } from '../test/helpers/scripted-models.js';
import { ROOT, median, type Row } from './measure.js';

const TOOLS = ['probe_a', 'probe_b', 'probe_c', 'probe_d'];

/** A turn of four 300 ms tool calls through the Claude loop, against the same four calls one at a time. */
export async function benchParallel(): Promise<{ rows: Row[] }> {
  const fake = await startFakeMessagesApi({
    script: (request) =>
      request.messages.length === 1
        ? { content: TOOLS.map((t) => toolUse(`slow__${t}`, {})) }
        : { content: [toolUse('submit_diagnosis', goodSubmission)] },
  });
  const host = await McpHost.start(
    [
      {
        name: 'slow',
        bundled: false,
        transport: {
          kind: 'stdio',
          command: process.execPath,
          args: [path.join(ROOT, 'test/fixtures/servers/slow-mcp-server.mjs')],
          env: {},
        },
        allow: TOOLS,
        hostOnly: [],
      },
    ],
    { logger: silentLogger },
  );
  try {
    const env = { ANTHROPIC_API_KEY: 'bench', ANTHROPIC_BASE_URL: fake.url };
    const settings = await loadSettings({ service: 'cart-service', llm: 'anthropic', slack: false }, env);
    const parallel: number[] = [];
    const serial: number[] = [];
    for (let i = 0; i < 3; i++) {
      const engine = new ClaudeEngine(new AnthropicModel({ env, model: settings.model }), {
        promptCache: true,
        effort: 'medium',
      });
      let started = performance.now();
      await run(
        { service: 'cart-service', source: 'cli', dedupeKey: `bench-${i}` },
        { settings, host, engine, logger: silentLogger, now: new Date() },
      );
      parallel.push(performance.now() - started);
      started = performance.now();
      for (const t of TOOLS) await host.callTool(`slow__${t}`, {});
      serial.push(performance.now() - started);
    }
    const ours = median(parallel);
    const baseline = median(serial);
    return {
      rows: [
        {
          figure: 'parallel tools: a turn of 4 calls of 300 ms',
          ours: `${ours.toFixed(0)} ms (whole run, 2 model requests included)`,
          baseline: `${baseline.toFixed(0)} ms (one at a time, calls only)`,
          ratio: ours / baseline,
          target: '≤ 0.35',
          met: ours / baseline <= 0.35,
          note: '',
        },
      ],
    };
  } finally {
    await host.close();
    await fake.close();
  }
}
