import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvalResult } from '../src/eval/eval-table.js';
import type { SandboxSlackMessage } from '../src/report/schema.js';
import { evaluate, type EvalOptions } from '../src/triggers/eval.js';
import { silentLogger } from '../src/util/log.js';
import { startFakeMessagesApi, type MessagesRequest } from './fakes/fake-messages-api.js';
import { expectOnePost } from './helpers/slack-posts.js';
import { runCli } from './helpers/cli.js';
import { inProcessBundledServers } from './helpers/in-process-servers.js';
import { text, toolResults, toolUse } from './helpers/scripted-models.js';

interface EvalJson {
  passed: number;
  failed: number;
  results: EvalResult[];
}

/**
 * `sre-agent eval --output json` over every public scenario, in this process with the bundled
 * servers run in-process: these tests are about the diagnoses, not the process boundary, which
 * the table test below (and the README commands) still cross through the real CLI.
 */
async function evalInProcess(
  options: EvalOptions,
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const output = {
    stdout: (t: string) => (stdout += t),
    stderr: () => undefined,
    stdoutIsTty: false,
    stderrIsTty: false,
  };
  const code = await evaluate(
    { ...options, output: 'json' },
    {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      output,
      logger: silentLogger,
      bundledTransport: inProcessBundledServers,
    },
  );
  return { code, stdout };
}

function withinSlackLimits(message: SandboxSlackMessage): string[] {
  const problems: string[] = [];
  const blocks = (message.blocks ?? []) as {
    type: string;
    text?: { text?: string };
    elements?: { text?: string }[];
  }[];
  if (!message.text) problems.push('no top-level text');
  if (blocks.length > 50) problems.push(`${blocks.length} blocks`);
  for (const b of blocks) {
    const t = b.text?.text ?? '';
    if (b.type === 'header' && t.length > 150) problems.push(`header of ${t.length}`);
    if (b.type === 'section' && t.length > 3000) problems.push(`section of ${t.length}`);
  }
  const size = JSON.stringify(blocks).length + message.text.length;
  if (size > 12_000) problems.push(`message of ${size} characters`);
  return problems;
}

describe('sre-agent eval', () => {
  it('passes every public scenario with the offline engine, and every Slack message stays within limits', async () => {
    const scenarios = (await readdir(path.resolve('scenarios'), { withFileTypes: true })).filter((d) =>
      d.isDirectory(),
    );
    const { code, stdout } = await evalInProcess({ llm: 'offline' });
    const result = JSON.parse(stdout) as EvalJson;
    const failures = result.results
      .filter((r) => !r.score.pass)
      .map((r) => `${r.scenario}: ${r.error ?? r.score.failures.join('; ')}`);
    expect(failures).toEqual([]);
    expect(code).toBe(0);
    expect(result.results).toHaveLength(scenarios.length);
    expect(result.passed).toBeGreaterThanOrEqual(12);
    for (const r of result.results) {
      // Every report names the evidence behind its conclusion.
      expect(r.report?.evidence.length, r.scenario).toBeGreaterThan(0);
      for (const m of r.report?.sandbox?.slackMessages ?? [])
        expect(withinSlackLimits(m), r.scenario).toEqual([]);
    }
    expect(result.results.find((r) => r.scenario === 'shipping-healthy')?.report?.status).toBe('healthy');
  }, 300_000);

  it('prints a table that ends with the totals line, and exits non-zero when a scenario fails', async () => {
    // The cart scenario, copied with an expectation no correct diagnosis meets.
    const dir = await mkdtemp(path.join(tmpdir(), 'eval-'));
    const scenario = path.join(dir, 'cart-like-wrong-expectation');
    await cp(path.resolve('scenarios/cart-service-loafers'), scenario, { recursive: true });
    const yaml = await readFile(path.join(scenario, 'scenario.yaml'), 'utf8');
    await writeFile(
      path.join(scenario, 'scenario.yaml'),
      yaml.replace(/ {2}rootCause:\n( {4}- .*\n)+/, '  rootCause:\n    - [redis is fine]\n'),
    );
    const { code, stdout } = await runCli(['eval', '--llm', 'offline', '--scenarios', dir], {}, 120_000);
    expect(stdout).toMatch(/scenario\s+result\s+time\s+tools\s+tokens\s+cost/);
    expect(stdout).toMatch(/cart-like-wrong-expectation\s+FAIL/);
    expect(stdout).toMatch(/↳ root cause lacks any of: redis is fine/);
    expect(stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed');
    expect(code).toBe(1);
  }, 120_000);

  it('runs every scenario through the Claude loop with a scripted model', async () => {
    // A generic investigator: the pods of the service in the task, the first pod's logs, then an honest submission.
    const script = (request: MessagesRequest) => {
      const task = typeof request.messages[0]?.content === 'string' ? request.messages[0].content : '';
      const service = task.match(/service `([^`]+)`/)?.[1] ?? 'unknown';
      if (request.messages.length === 1)
        return { content: [text('Listing pods.'), toolUse('kubernetes__list_pods', { service })] };
      const pod = toolResults(request)
        .join('\n')
        .match(/^pod (\S+):/m)?.[1];
      const calledLogs = JSON.stringify(request.messages).includes('kubernetes__get_pod_logs');
      if (pod && !calledLogs)
        return { content: [toolUse('kubernetes__get_pod_logs', { pod, tailLines: 50 })] };
      return {
        content: [
          toolUse('submit_diagnosis', {
            status: 'inconclusive',
            summary: `Scripted look at ${service}: pods and logs read.`,
            rootCause: { statement: 'A scripted model does not reason.', confidence: 'low' },
            evidence: [{ source: 'kubernetes', detail: `listed the pods of ${service}` }],
          }),
        ],
      };
    };
    const fake = await startFakeMessagesApi({ script });
    try {
      const { stdout } = await evalInProcess(
        { llm: 'anthropic' },
        { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url },
      );
      const result = JSON.parse(stdout) as EvalJson;
      expect(result.results.length).toBeGreaterThanOrEqual(12);
      for (const r of result.results) {
        expect(r.report?.engine, r.scenario).toBe('anthropic:claude-sonnet-5-5');
        expect(r.report?.usage.turns, r.scenario).toBeGreaterThanOrEqual(2);
        expectOnePost(r.report?.sandbox?.slackMessages, r.scenario);
      }
    } finally {
      await fake.close();
    }
  }, 300_000);
});
