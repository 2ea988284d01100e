import { startFakeMessagesApi } from '../test/fakes/fake-messages-api.js';
import type { ModelScript } from '../test/fakes/fake-messages-api.js';
import { cartInvestigator, cartReference } from '../test/helpers/scripted-models.js';
import { BIN, run, type Row } from './measure.js';

interface Usage {
  turns: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** Each run's own turn count, so one fake (one cache) can serve several runs. */
const perRun =
  (script: ModelScript): ModelScript =>
  (request) =>
    script(request, request.messages.filter((m) => m.role === 'assistant').length);

async function diagnose(
  extra: string[],
  script: ModelScript = cartInvestigator,
  runs = 1,
  options: { env?: Record<string, string>; gapsMs?: number[] } = {},
): Promise<Usage[]> {
  // The fake's clock: each run after the first starts `gapsMs[i - 1]` after the one before.
  let now = Date.parse('2026-12-03T09:00:00Z');
  const fake = await startFakeMessagesApi({ script: perRun(script), now: () => now });
  try {
    const usages: Usage[] = [];
    for (let i = 0; i < runs; i++) {
      if (i > 0) now += options.gapsMs?.[i - 1] ?? 0;
      const result = await run(
        process.execPath,
        ['--', BIN, 'diagnose', '--service', 'cart-service', '--sandbox', '--output', 'json', ...extra],
        { ANTHROPIC_API_KEY: 'bench', ANTHROPIC_BASE_URL: fake.url, ...options.env },
      );
      usages.push((JSON.parse(result.stdout) as { usage: Usage }).usage);
    }
    return usages;
  } finally {
    await fake.close();
  }
}

/** The same scripted 10-turn diagnosis, through the same CLI users run, with and without prompt caching. */
export async function benchCaching(): Promise<{ rows: Row[]; detail: string }> {
  const [cached] = (await diagnose([])) as [Usage];
  const [uncached] = (await diagnose(['--no-prompt-cache'])) as [Usage];
  // The reference diagnosis (as today's models run it, from the host's first look): a first incident, then a
  // second within the cache lifetime, which reads the tools and system prompt from cache.
  const [cold, warm] = (await diagnose([], cartReference, 2)) as [Usage, Usage];
  const [referenceUncached] = (await diagnose(['--no-prompt-cache'], cartReference)) as [Usage];
  const ttl = await ttlTable();
  const ratio = cached.costUsd / uncached.costUsd;
  const inputOnly =
    (cached.inputTokens + 1.25 * cached.cacheWriteTokens + 0.1 * cached.cacheReadTokens) /
    (uncached.inputTokens + uncached.cacheWriteTokens + uncached.cacheReadTokens);
  const detail = [
    `| run | turns | uncached input | cache writes | cache reads | output | cost |`,
    `|---|---|---|---|---|---|---|`,
    `| cached | ${cached.turns} | ${cached.inputTokens} | ${cached.cacheWriteTokens} | ${cached.cacheReadTokens} | ${cached.outputTokens} | $${cached.costUsd.toFixed(5)} |`,
    `| --no-prompt-cache | ${uncached.turns} | ${uncached.inputTokens} | ${uncached.cacheWriteTokens} | ${uncached.cacheReadTokens} | ${uncached.outputTokens} | $${uncached.costUsd.toFixed(5)} |`,
    `| reference, first incident | ${cold.turns} | ${cold.inputTokens} | ${cold.cacheWriteTokens} | ${cold.cacheReadTokens} | ${cold.outputTokens} | $${cold.costUsd.toFixed(5)} |`,
    `| reference, prefix cached by an earlier run | ${warm.turns} | ${warm.inputTokens} | ${warm.cacheWriteTokens} | ${warm.cacheReadTokens} | ${warm.outputTokens} | $${warm.costUsd.toFixed(5)} |`,
    `| reference, --no-prompt-cache | ${referenceUncached.turns} | ${referenceUncached.inputTokens} | ${referenceUncached.cacheWriteTokens} | ${referenceUncached.cacheReadTokens} | ${referenceUncached.outputTokens} | $${referenceUncached.costUsd.toFixed(5)} |`,
  ].join('\n');
  return {
    detail: `${detail}\n\n${ttl}`,
    rows: [
      {
        figure: 'reference diagnosis at Sonnet 5.5 prices (first incident)',
        ours: `$${cold.costUsd.toFixed(4)}`,
        baseline: `$${referenceUncached.costUsd.toFixed(4)} (no cache)`,
        ratio: cold.costUsd / referenceUncached.costUsd,
        target: '≤ $0.015',
        met: cold.costUsd <= 0.015,
        note:
          cold.costUsd <= 0.015
            ? ''
            : `a first run writes its whole prompt (tools ~3.5k tokens) to the cache once`,
      },
      {
        figure: 'reference diagnosis, tools and system prompt cached by an earlier run',
        ours: `$${warm.costUsd.toFixed(4)}`,
        baseline: `$${referenceUncached.costUsd.toFixed(4)} (no cache)`,
        ratio: warm.costUsd / referenceUncached.costUsd,
        target: '≤ $0.015',
        met: warm.costUsd <= 0.015,
        note: '',
      },
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

/**
 * The prefix's cache lifetime both ways (issue 14): the reference diagnosis, then a second incident
 * after a gap, with `SRE_AGENT_PROMPT_CACHE_TTL` 5m and 1h. A 1-hour write costs 2× input instead
 * of 1.25×; it pays when the next incident comes after five minutes and within the hour.
 */
async function ttlTable(): Promise<string> {
  const gaps: [string, number][] = [
    ['2 min', 2 * 60_000],
    ['20 min', 20 * 60_000],
    ['3 h', 3 * 3_600_000],
  ];
  const rows: string[] = [];
  const costs: Record<string, { first: number; later: Record<string, number> }> = {};
  for (const ttl of ['5m', '1h']) {
    const later: Record<string, number> = {};
    let first = 0;
    for (const [label, gap] of gaps) {
      const [a, b] = (await diagnose([], cartReference, 2, {
        env: { SRE_AGENT_PROMPT_CACHE_TTL: ttl },
        gapsMs: [gap],
      })) as [Usage, Usage];
      first = a.costUsd;
      later[label] = b.costUsd;
    }
    costs[ttl] = { first, later };
    rows.push(
      `| ${ttl} | $${first.toFixed(4)} | ${gaps.map(([label]) => `$${(later[label] as number).toFixed(4)}`).join(' | ')} |`,
    );
  }
  // Break-even: the share p of incidents arriving 5–60 min after the last one at which
  // 1h costs no more than 5m (p·saving = extra cost of every 1-hour write).
  const five = costs['5m'] as { first: number; later: Record<string, number> };
  const hour = costs['1h'] as { first: number; later: Record<string, number> };
  const saving = (five.later['20 min'] as number) - (hour.later['20 min'] as number);
  const extra = (hour.later['3 h'] as number) - (five.later['3 h'] as number);
  const breakEven = saving > 0 ? extra / (saving + extra) : 1;
  return [
    `Prefix cache lifetime (\`SRE_AGENT_PROMPT_CACHE_TTL\`): the reference diagnosis, then the next incident after a gap.`,
    '',
    `| lifetime | first incident | next after ${gaps.map(([label]) => label).join(' | next after ')} |`,
    `|---|---|${gaps.map(() => '---').join('|')}|`,
    ...rows,
    '',
    `1h pays off when more than ${(breakEven * 100).toFixed(0)}% of incidents come 5–60 minutes after the previous one; below that, and for the occasional CLI run, the default 5m is cheaper.`,
  ].join('\n');
}
