import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FINAL_TURN_INSTRUCTION } from '../src/agent/claude-engine.js';
import { costOf } from '../src/llm/prices.js';
import type { Report } from '../src/report/schema.js';
import {
  startFakeMessagesApi,
  type FakeMessagesApi,
  type FakeOptions,
  type ModelScript,
} from './fakes/fake-messages-api.js';
import { runCli } from './helpers/cli.js';
import { expectOnePost } from './helpers/slack-posts.js';
import { cartInvestigator, cartReference, goodSubmission, toolUse } from './helpers/scripted-models.js';

let fake: FakeMessagesApi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const BEDROCK = {
  accessKeyId: 'AKIAFAKEFAKEFAKE0001',
  secretAccessKey: 'fake-secret-for-the-stand-in',
  region: 'eu-west-1',
};

async function diagnose(options: FakeOptions, extra: string[] = [], env: Record<string, string> = {}) {
  fake = await startFakeMessagesApi(options);
  const dir = await mkdtemp(path.join(tmpdir(), 'api-today-'));
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
    { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url, ...env },
  );
  const auditLines = (await readFile(audit, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const report = result.stdout ? (JSON.parse(result.stdout) as Report) : undefined;
  return { ...result, report: report as Report, audit: auditLines, requests: fake.requests };
}

/** A model that does as the final-turn instruction says, as today's models do. */
const honoursFinalTurn =
  (script: ModelScript): ModelScript =>
  (request, index) =>
    JSON.stringify(request.messages.at(-1)).includes(FINAL_TURN_INSTRUCTION)
      ? { content: [toolUse('submit_diagnosis', goodSubmission)] }
      : script(request, index);

/** What a user sees must never hold the provider's raw error body. */
function expectNoRawApiError(report: Report): void {
  const posted = JSON.stringify(report.sandbox?.slackMessages ?? []);
  for (const raw of [
    'invalid_request_error',
    'overloaded_error',
    'authentication_error',
    '"type":"error"',
    'tokens >',
  ])
    expect(posted).not.toContain(raw);
  expect(report.summary).not.toMatch(/\{"type"/);
}

describe("the Claude loop on today's API", () => {
  it('runs on claude-sonnet-5-5 by default with adaptive thinking and effort, no 4xx, priced at the published rates', async () => {
    const { code, report, requests, stderr } = await diagnose({ script: cartReference });
    expect(code, stderr).toBe(0);
    expect(report.engine).toBe('anthropic:claude-sonnet-5-5');
    expect(report.degraded).toBe(false);
    expect(report.status).toBe('diagnosed');
    expect(requests.map((r) => r.status).every((s) => s === 200)).toBe(true);
    const body = requests[0]?.body;
    expect(body?.model).toBe('claude-sonnet-5-5');
    expect(body?.output_config).toEqual({ effort: 'medium' });
    expect(body?.thinking?.type).toBe('adaptive');
    for (const p of ['temperature', 'top_p', 'top_k'] as const) expect(body?.[p]).toBeUndefined();
    const expected = requests.reduce(
      (sum, r) =>
        sum +
        (costOf('claude-sonnet-5-5', {
          inputTokens: r.usage?.input_tokens ?? 0,
          cacheWriteTokens: r.usage?.cache_creation_input_tokens ?? 0,
          cacheReadTokens: r.usage?.cache_read_input_tokens ?? 0,
          outputTokens: r.usage?.output_tokens ?? 0,
        }) ?? 0),
      0,
    );
    expect(report.usage.costUsd).toBeCloseTo(expected, 5);
    // The reference diagnosis, a first incident (its whole prompt written to the cache once), within
    // $0.015 at Sonnet 5.5 prices (issue 14): the host's first look — pods, events, the failing log,
    // the failing line and the commit that wrote it — leaves the model nothing to fetch.
    expect(requests.length).toBeLessThanOrEqual(4);
    expect(report.usage.costUsd as number).toBeLessThanOrEqual(0.015);
    expect(report.suspectFiles.map((f) => f.path)).toContain(
      'src/cartservice/src/cartstore/RedisCartStore.cs',
    );
    expect(report.suspectCommits.map((c) => c.sha.slice(0, 7))).toContain('d3bf18b');
    // What the model was shown came from the host's reads of the repository, fenced as data.
    const first = JSON.stringify(requests[0]?.body.messages[0]);
    expect(first).toContain('Recent change: Commit d3bf18b');
  });

  it('costs less again when the static prefix (tools and system prompt) is still cached from a recent run', async () => {
    // Each run starts its own conversation: the turn is the number of answers so far.
    const first = await diagnose({
      script: (request) =>
        cartReference(request, request.messages.filter((m) => m.role === 'assistant').length),
    });
    const fakeOfFirst = fake as FakeMessagesApi;
    const firstRunRequests = fakeOfFirst.requests.length;
    // The second incident within the cache lifetime, through the same API (the fake keeps its cache).
    const again = await runCli(['diagnose', '--service', 'cart-service', '--sandbox', '--output', 'json'], {
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: fakeOfFirst.url,
    });
    const warm = JSON.parse(again.stdout) as Report;
    expect(warm.status).toBe('diagnosed');
    expect(warm.degraded).toBe(false);
    const secondRunFirstRequest = fakeOfFirst.requests[firstRunRequests];
    expect(fakeOfFirst.requests.length - firstRunRequests).toBe(firstRunRequests);
    expect(secondRunFirstRequest?.usage?.cache_read_input_tokens).toBeGreaterThan(1000);
    expect(warm.usage.costUsd as number).toBeLessThan(first.report.usage.costUsd as number);
    expect(warm.usage.costUsd as number).toBeLessThanOrEqual(0.015);
  });

  it('SRE_AGENT_PROMPT_CACHE_TTL=1h: the prefix is written for an hour, priced as such, and still read 20 minutes later', async () => {
    let now = Date.parse('2026-12-03T09:00:00Z');
    const perRun: ModelScript = (request) =>
      cartReference(request, request.messages.filter((m) => m.role === 'assistant').length);
    const run = async (ttl: string | undefined) => {
      const env: Record<string, string> = {
        ANTHROPIC_API_KEY: 'test-key',
        ANTHROPIC_BASE_URL: (fake as FakeMessagesApi).url,
      };
      if (ttl) env.SRE_AGENT_PROMPT_CACHE_TTL = ttl;
      const result = await runCli(
        ['diagnose', '--service', 'cart-service', '--sandbox', '--output', 'json'],
        env,
      );
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as Report;
    };
    for (const ttl of ['1h', undefined]) {
      await fake?.close();
      fake = await startFakeMessagesApi({ script: perRun, now: () => now });
      const first = await run(ttl);
      const firstBody = fake.requests[0]?.body;
      const prefixControl = ttl ? { type: 'ephemeral', ttl: '1h' } : { type: 'ephemeral' };
      expect(firstBody?.tools?.at(-1)?.cache_control).toEqual(prefixControl);
      expect(JSON.stringify(firstBody?.messages)).not.toContain('"ttl"');
      // Priced at each lifetime's own write rate, request by request.
      const splits = fake.requests.map((r) => r.usage?.cache_creation);
      const priced = fake.requests.reduce(
        (sum, r, i) =>
          sum +
          (costOf('claude-sonnet-5-5', {
            inputTokens: r.usage?.input_tokens ?? 0,
            cacheWriteTokens: splits[i]?.ephemeral_5m_input_tokens ?? 0,
            cacheWrite1hTokens: splits[i]?.ephemeral_1h_input_tokens ?? 0,
            cacheReadTokens: r.usage?.cache_read_input_tokens ?? 0,
            outputTokens: r.usage?.output_tokens ?? 0,
          }) ?? 0),
        0,
      );
      expect(first.usage.costUsd).toBeCloseTo(priced, 5);
      expect((splits[0]?.ephemeral_1h_input_tokens ?? 0) > 0).toBe(ttl === '1h');
      const before = fake.requests.length;
      now += 20 * 60_000;
      const later = await run(ttl);
      const read = fake.requests[before]?.usage?.cache_read_input_tokens ?? 0;
      if (ttl === '1h') {
        expect(read).toBeGreaterThan(1000);
        expect(later.usage.costUsd as number).toBeLessThan(first.usage.costUsd as number);
      } else {
        expect(read).toBe(0);
      }
    }
  });

  it('with --max-turns 3 ends diagnosed by the model, one post, reading the cache on the last turn', async () => {
    const { code, report, requests } = await diagnose({ script: honoursFinalTurn(cartInvestigator) }, [
      '--max-turns',
      '3',
    ]);
    expect(code).toBe(0);
    expect(requests).toHaveLength(3);
    expect(requests.every((r) => r.status === 200)).toBe(true);
    expect(report.status).toBe('diagnosed');
    expect(report.engine).toBe('anthropic:claude-sonnet-5-5');
    expect(report.degraded).toBe(false);
    expect(requests[2]?.usage?.cache_read_input_tokens).toBeGreaterThan(0);
    // Thinking blocks went back signed and unchanged (the fake refuses anything else with a 400).
    expect(JSON.stringify(requests.at(-1)?.body.messages)).toContain('"type":"thinking"');
    expectOnePost(report.sandbox?.slackMessages);
  });

  it('hands a 400 "prompt is too long" on turn 2 to the offline engine: diagnosed, degraded, exit 0, no raw error posted', async () => {
    const { code, report } = await diagnose({
      script: (request, index) =>
        index === 0
          ? cartInvestigator(request, index)
          : {
              error: {
                status: 400,
                type: 'invalid_request_error',
                message: 'prompt is too long: 1000412 tokens > 1000000 maximum',
              },
            },
    });
    expect(code).toBe(0);
    expect(report.status).toBe('diagnosed');
    expect(report.engine).toBe('offline');
    expect(report.degraded).toBe(true);
    expect(report.degradedReasons.join(' ')).toMatch(/prompt too long/);
    expect(report.rootCause.statement).toContain('RedisCartStore');
    expectOnePost(report.sandbox?.slackMessages);
    expectNoRawApiError(report);
  });

  it('never runs the tool calls of a response cut off by max_tokens, and lets the offline engine finish', async () => {
    const { code, report, audit } = await diagnose({
      script: () => ({
        content: [toolUse('kubernetes__list_nodes', {})],
        stop_reason: 'max_tokens',
      }),
    });
    expect(code).toBe(0);
    expect(report.status).toBe('diagnosed');
    expect(report.degraded).toBe(true);
    expect(report.degradedReasons.join(' ')).toMatch(/cut off \(max_tokens\)/);
    const engineCalls = audit.filter(
      (e) => e.type === 'tool_call' && e.tool === 'list_nodes' && e.caller === 'engine',
    );
    // Only the offline engine may have read the nodes, never on the truncated answer's behalf.
    expect(report.engine).toBe('offline');
    expect(engineCalls.length).toBeLessThanOrEqual(1);
    expectOnePost(report.sandbox?.slackMessages);
  });

  it('answers an unparsable body with the offline diagnosis', async () => {
    const { code, report } = await diagnose({ script: () => ({ raw: '<html>502 Bad Gateway</html>' }) });
    expect(code).toBe(0);
    expect(report.status).toBe('diagnosed');
    expect(report.degradedReasons.join(' ')).toMatch(/not a Messages response/);
    expectOnePost(report.sandbox?.slackMessages);
  });

  it('treats a 401 as configuration: says what to set, still finishes offline, exit 0 and degraded', async () => {
    const { code, report, stderr } = await diagnose({
      script: () => ({ error: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' } }),
    });
    expect(code).toBe(0);
    expect(report.degraded).toBe(true);
    expect(report.status).toBe('diagnosed');
    expect(report.degradedReasons.join(' ')).toMatch(
      /authentication error \(HTTP 401\); set a valid ANTHROPIC_API_KEY/,
    );
    expect(stderr).toMatch(/ANTHROPIC_API_KEY/);
    expectNoRawApiError(report);
  });

  it('names a retired model and the current ones instead of a raw 404', async () => {
    const { code, report, stderr, requests } = await diagnose({ script: cartInvestigator }, [
      '--model',
      'claude-sonnet-4-5',
    ]);
    expect(code).toBe(0);
    expect(requests[0]?.status).toBe(404);
    const reason = report.degradedReasons.join(' ');
    expect(reason).toMatch(
      /model claude-sonnet-4-5 is retired or unknown \(retired on 2026-11-30\); set --model \/ SRE_AGENT_MODEL \(current: claude-sonnet-5-5/,
    );
    expect(stderr).toMatch(/claude-sonnet-4-5/);
    expect(report.status).toBe('diagnosed');
    expectNoRawApiError(report);
  });

  it('refuses --budget-usd for a model it cannot price, with a usage error', async () => {
    const { code, stderr, requests } = await diagnose({ script: cartInvestigator }, [
      '--model',
      'claude-imaginary-9',
      '--budget-usd',
      '0.5',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--budget-usd: no price is known for model 'claude-imaginary-9'/);
    expect(requests).toHaveLength(0);
  });
});

describe('Claude on Amazon Bedrock', () => {
  const awsEnv = (secret = BEDROCK.secretAccessKey) => ({
    ANTHROPIC_API_KEY: '',
    ANTHROPIC_BASE_URL: '',
    AWS_ACCESS_KEY_ID: BEDROCK.accessKeyId,
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_REGION: BEDROCK.region,
  });

  it('diagnoses the cart scenario through a local Bedrock stand-in with SigV4-signed requests', async () => {
    fake = await startFakeMessagesApi({ script: cartInvestigator, bedrock: BEDROCK });
    const { code, stdout, stderr } = await runCli(
      ['diagnose', '--service', 'cart-service', '--sandbox', '--output', 'json', '--llm', 'bedrock'],
      { ...awsEnv(), ANTHROPIC_BEDROCK_BASE_URL: fake.url },
    );
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.engine).toBe('bedrock:global.anthropic.claude-sonnet-5-5');
    expect(report.degraded).toBe(false);
    expect(report.status).toBe('diagnosed');
    expect(fake.requests.length).toBeGreaterThan(1);
    expect(fake.requests.every((r) => r.api === 'bedrock' && r.status === 200)).toBe(true);
    expect(fake.requests[0]?.model).toBe('global.anthropic.claude-sonnet-5-5');
    expect(fake.requests[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKE0001\//);
    expect(report.usage.cacheReadTokens).toBeGreaterThan(0);
    expect(report.usage.costUsd).toBeGreaterThan(0);
    expectOnePost(report.sandbox?.slackMessages);
  });

  it('says what to check when Bedrock refuses the signature, and still reports offline', async () => {
    fake = await startFakeMessagesApi({ script: cartInvestigator, bedrock: BEDROCK });
    const { code, stdout } = await runCli(
      ['diagnose', '--service', 'cart-service', '--sandbox', '--output', 'json', '--llm', 'bedrock'],
      { ...awsEnv('a-different-secret'), ANTHROPIC_BEDROCK_BASE_URL: fake.url },
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(fake.requests[0]?.status).toBe(403);
    expect(report.engine).toBe('offline');
    expect(report.degradedReasons.join(' ')).toMatch(
      /permission error \(HTTP 403\); check the AWS credentials/,
    );
  });
});
