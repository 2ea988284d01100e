import { startFakeMessagesApi } from '../test/fakes/fake-messages-api.js';
import { cartInvestigator } from '../test/helpers/scripted-models.js';
import { BIN, run, type Row } from './measure.js';

interface Usage {
  turns: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  costUsd: number;
}

async function diagnose(extra: string[]): Promise<Usage> {
  const fake = await startFakeMessagesApi({ script: cartInvestigator });
  try {
    const result = await run(
      process.execPath,
      ['--', BIN, 'diagnose', '--service', 'cart-service', '--sandbox', '--output', 'json', ...extra],
      {
        ANTHROPIC_API_KEY: 'bench',
        ANTHROPIC_BASE_URL: fake.url,
      },
    );
    return (JSON.parse(result.stdout) as { usage: Usage }).usage;
  } finally {
    await fake.close();
  }
}

/** The same scripted 10-turn diagnosis, through the same CLI users run, with and without prompt caching. */
export async function benchCaching(): Promise<{ rows: Row[]; detail: string }> {
  const cached = await diagnose([]);
  const uncached = await diagnose(['--no-prompt-cache']);
  const ratio = cached.costUsd / uncached.costUsd;
  const inputOnly =
    (cached.inputTokens + 1.25 * cached.cacheWriteTokens + 0.1 * cached.cacheReadTokens) /
    (uncached.inputTokens + uncached.cacheWriteTokens + uncached.cacheReadTokens);
  const detail = [
    `| run | turns | uncached input | cache writes | cache reads | output | cost |`,
    `|---|---|---|---|---|---|---|`,
    `| cached | ${cached.turns} | ${cached.inputTokens} | ${cached.cacheWriteTokens} | ${cached.cacheReadTokens} | ${cached.outputTokens} | $${cached.costUsd.toFixed(5)} |`,
    `| --no-prompt-cache | ${uncached.turns} | ${uncached.inputTokens} | ${uncached.cacheWriteTokens} | ${uncached.cacheReadTokens} | ${uncached.outputTokens} | $${uncached.costUsd.toFixed(5)} |`,
  ].join('\n');
  return {
    detail,
    rows: [
      {
        figure: 'prompt caching: cost of a 10-turn diagnosis',
        ours: `$${cached.costUsd.toFixed(5)}`,
        baseline: `$${uncached.costUsd.toFixed(5)} (no cache)`,
        ratio,
        target: '≤ 0.17',
        met: ratio <= 0.17,
        note:
          ratio <= 0.17
            ? ''
            : `missed by ${(ratio - 0.17).toFixed(2)}: input alone is ${inputOnly.toFixed(2)} of uncached; every new block is written once at 1.25× and output tokens are not cacheable, so a short run's prompt (~7k tokens) cannot reach the 0.17 that long, tool-heavy prompts reach`,
      },
    ],
  };
}
