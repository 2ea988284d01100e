import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/schema.js';
import { startFakeMessagesApi, type FakeMessagesApi, type ModelScript } from './fakes/fake-messages-api.js';
import { expectOnePost } from './helpers/slack-posts.js';
import { runCli } from './helpers/cli.js';
import { cartInvestigator } from './helpers/scripted-models.js';

let fake: FakeMessagesApi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function diagnoseWith(script: ModelScript, extra: string[] = []) {
  fake = await startFakeMessagesApi({ script });
  const dir = await mkdtemp(path.join(tmpdir(), 'claude-loop-'));
  const audit = path.join(dir, 'audit.jsonl');
  const result = await runCli(
    [
      'diagnose',
      '--service',
      'cart-service',
      '--sandbox',
      '--output',
      'json',
      '--audit-log',
      audit,
      ...extra,
    ],
    { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url },
  );
  const auditLines = (await readFile(audit, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    ...result,
    report: JSON.parse(result.stdout) as Report,
    audit: auditLines,
    requests: fake.requests,
  };
}

describe('the Claude loop against the fake Messages API', () => {
  it('diagnoses the cart scenario through Claude with token and cost figures and one Slack message', async () => {
    const { code, report, requests, stderr } = await diagnoseWith(cartInvestigator);
    expect(code, stderr).toBe(0);
    expect(report.engine).toBe('anthropic:claude-sonnet-5-5');
    expect(report.degraded).toBe(false);
    expect(report.status).toBe('diagnosed');
    expect(report.rootCause.statement).toContain('RedisCartStore');
    expect(report.usage.turns).toBe(10);
    // The model's ten calls, plus the host's first look (pods, events, the failing log).
    expect(report.usage.toolCalls).toBeGreaterThan(10);
    expect(report.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(report.usage.cacheReadTokens).toBeGreaterThan(0);
    expect(report.usage.outputTokens).toBeGreaterThan(0);
    expect(report.usage.costUsd).toBeGreaterThan(0);
    expectOnePost(report.sandbox?.slackMessages);
    expect(requests.every((r) => r.apiKey === 'test-key' || r.authorization?.includes('test-key'))).toBe(
      true,
    );
    // The system prompt says tool output is data, and the tool results arrive fenced as such.
    const last = JSON.stringify(requests.at(-1)?.body.messages);
    expect(last).toContain('untrusted-data');
  });

  it('reads the whole previous prompt from cache on every later request, at under 30% of the uncached input cost', async () => {
    const cached = await diagnoseWith(cartInvestigator);
    const cachedRequests = cached.requests;
    await fake?.close();
    const uncached = await diagnoseWith(cartInvestigator, ['--no-prompt-cache']);
    expect(cachedRequests.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < cachedRequests.length; i++) {
      const previous = cachedRequests[i - 1]?.usage;
      const current = cachedRequests[i]?.usage;
      const previousPrompt =
        (previous?.input_tokens ?? 0) +
        (previous?.cache_creation_input_tokens ?? 0) +
        (previous?.cache_read_input_tokens ?? 0);
      expect(current?.cache_read_input_tokens, `request ${i}`).toBe(previousPrompt);
    }
    // Input cost in units of the base input price: writes 1.25x, reads 0.1x.
    const inputCost = (rs: typeof cachedRequests) =>
      rs.reduce(
        (sum, r) =>
          sum +
          (r.usage?.input_tokens ?? 0) +
          1.25 * (r.usage?.cache_creation_input_tokens ?? 0) +
          0.1 * (r.usage?.cache_read_input_tokens ?? 0),
        0,
      );
    expect(uncached.requests.every((r) => (r.usage?.cache_read_input_tokens ?? 0) === 0)).toBe(true);
    const ratio = inputCost(cachedRequests) / inputCost(uncached.requests);
    expect(ratio).toBeLessThanOrEqual(0.3);
    expect(cached.report.usage.costUsd as number).toBeLessThan(uncached.report.usage.costUsd as number);
  });
});
