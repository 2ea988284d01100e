import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/schema.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { startFakeMessagesApi } from './fakes/fake-messages-api.js';
import { runCli } from './helpers/cli.js';
import { cartInvestigator } from './helpers/scripted-models.js';

describe('when parts are missing', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(await loadScenario(path.resolve('scenarios/cart-service-loafers')));
  });
  afterAll(() => sandbox.close());

  it('still prints the report and writes it to the audit log when Slack is unreachable', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'no-slack-'));
    const auditFile = path.join(dir, 'audit.jsonl');
    const { code, stdout, stderr } = await runCli(
      ['diagnose', '--service', 'cart-service', '--output', 'json', '--audit-log', auditFile],
      { ...sandbox.env, SLACK_API_URL: 'http://127.0.0.1:9/api/' },
    );
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.slack.posted).toBe(false);
    expect(report.slack.error).toBeTruthy();
    expect(report.rootCause.statement).toContain('RedisCartStore');
    expect(stderr).toMatch(/not posted to Slack/);
    const audit = (await readFile(auditFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const finished = audit.find((e) => e.type === 'run_finished') as { report: Report } | undefined;
    expect(finished?.report.rootCause.statement).toBe(report.rootCause.statement);
  });

  it('reports cost as null, with a warning, for a model whose price is unknown', async () => {
    // A model the API serves but this build's table does not know (a newer one, say).
    const fake = await startFakeMessagesApi({
      script: cartInvestigator,
      models: {
        'claude-imaginary-9': {
          contextWindow: 1_000_000,
          minCacheTokens: 512,
          fiveFive: true,
          adaptive: true,
        },
      },
    });
    try {
      const { code, stdout, stderr } = await runCli(
        [
          'diagnose',
          '--service',
          'cart-service',
          '--sandbox',
          '--output',
          'json',
          '--model',
          'claude-imaginary-9',
        ],
        { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url },
      );
      expect(code, stderr).toBe(0);
      const report = JSON.parse(stdout) as Report;
      expect(report.engine).toBe('anthropic:claude-imaginary-9');
      expect(report.usage.costUsd).toBeNull();
      expect(report.usage.outputTokens).toBeGreaterThan(0);
      expect(stderr).toMatch(/'claude-imaginary-9' is not in this build's model table/);
    } finally {
      await fake.close();
    }
  });
});
