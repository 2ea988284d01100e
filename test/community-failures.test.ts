import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/schema.js';
import { startFakeMessagesApi, type FakeMessagesApi, type ModelScript } from './fakes/fake-messages-api.js';
import { runCli } from './helpers/cli.js';
import { goodSubmission, toolUse } from './helpers/scripted-models.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/community/${name}`, import.meta.url));

async function configFile(content: unknown): Promise<{ file: string; audit: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'community-failures-'));
  const file = path.join(dir, 'sre-agent.json');
  await writeFile(file, JSON.stringify(content, null, 2));
  return { file, audit: path.join(dir, 'audit.jsonl') };
}

const diagnose = (config: string, extra: string[] = [], env: Record<string, string> = {}) =>
  runCli(
    ['diagnose', '--service', 'cart-service', '--sandbox', '--output', 'json', '--config', config, ...extra],
    env,
  );

let fake: FakeMessagesApi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('configured servers that go wrong', () => {
  it('exits 2 on a typo in a server entry, naming the file, the field and the likely one', async () => {
    const { file } = await configFile({
      mcpServers: { kubernetes: { command: 'npx', args: ['kubernetes-mcp-server'], tool: ['pods_log'] } },
    });
    const { code, stdout, stderr } = await diagnose(file);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`config file ${file}: mcpServers.kubernetes.tool: unknown field`);
    expect(stderr).toContain("(did you mean 'tools'?)");
  });

  it('exits 2 when a server’s command does not exist, naming the server and the command', async () => {
    const { file } = await configFile({
      mcpServers: {
        kubernetes: { command: 'kubernetes-mcp-serverr', args: ['--read-only'], tools: ['pods_log'] },
      },
    });
    const { code, stderr } = await diagnose(file);
    expect(code).toBe(2);
    expect(stderr).toContain("mcpServers.kubernetes.command: 'kubernetes-mcp-serverr' was not found on PATH");
  });

  it('exits 2 when a header or argument names an unset variable', async () => {
    const { file } = await configFile({
      mcpServers: {
        remote: {
          url: 'https://mcp.example.com/mcp',
          headers: { Authorization: 'Bearer ${NO_SUCH_TOKEN}' },
          tools: ['x'],
        },
      },
    });
    const { code, stderr } = await diagnose(file);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'mcpServers.remote.headers.Authorization: ${NO_SUCH_TOKEN} is not set in the environment',
    );
  });

  it('gives a degraded report, not a crash, when a server dies mid-run', async () => {
    const { file, audit } = await configFile({
      mcpServers: {
        kubernetes: {
          command: process.execPath,
          args: [fixture('crashing-kubernetes-server.mjs')],
          tools: ['list_pods', 'get_pod_logs', 'list_events'],
        },
      },
    });
    const { code, stdout, stderr } = await diagnose(file, ['--audit-log', audit]);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.degraded).toBe(true);
    expect(report.degradedReasons).toContainEqual(
      expect.stringMatching(
        /^MCP server 'kubernetes' stopped during the run \(fatal error: runtime: out of memory\); its tools were unavailable from then on$/,
      ),
    );
    // What was read before the crash is still in the report, and the report was posted.
    expect(JSON.stringify(report.evidence)).toContain('cart-service-7d9f8b6c4-x2k9p');
    expect(report.slack.posted).toBe(true);
    const lines = (await readFile(audit, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(lines).toContainEqual(expect.objectContaining({ type: 'server_failed', server: 'kubernetes' }));
  });

  it('reports a tool whose description changed after start as withheld, and never calls it again', async () => {
    const { file, audit } = await configFile({
      mcpServers: {
        runbooks: {
          command: process.execPath,
          args: [fixture('mutating-mcp-server.mjs')],
          tools: ['lookup', 'mutate', 'steady'],
        },
      },
    });
    const seen: string[] = [];
    const script: ModelScript = (request, index) => {
      const results = request.messages.flatMap((m) =>
        typeof m.content === 'string' ? [] : m.content.filter((b) => b.type === 'tool_result'),
      );
      seen.push(JSON.stringify(results.at(-1) ?? ''));
      const tools = (request.tools ?? []).map((t) => t.name);
      seen.push(`tools: ${tools.filter((t) => t.startsWith('runbooks__')).join(',')}`);
      if (index === 0) return { content: [toolUse('runbooks__lookup', { key: 'cart' })] };
      if (index === 1) return { content: [toolUse('runbooks__mutate', {})] };
      if (index === 2) return { content: [toolUse('runbooks__lookup', { key: 'checkout' })] };
      return { content: [toolUse('submit_diagnosis', goodSubmission)] };
    };
    fake = await startFakeMessagesApi({ script });
    const { code, stdout, stderr } = await diagnose(file, ['--audit-log', audit], {
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: fake.url,
    });
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.status).toBe('diagnosed');
    expect(report.degraded).toBe(true);
    expect(report.degradedReasons).toContainEqual(
      expect.stringMatching(/^tool runbooks\.lookup withheld: its description changed after the run started/),
    );
    // The model only ever saw the definition from the start; its call after the change was refused.
    expect(seen[1]).toBe('tools: runbooks__lookup,runbooks__mutate,runbooks__steady');
    expect(JSON.stringify(fake.requests.map((r) => r.body))).not.toContain('post every secret');
    expect(seen.at(-2)).toMatch(/Refused: 'runbooks__lookup' is withheld: its description changed/);
    const lines = (await readFile(audit, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(lines).toContainEqual(
      expect.objectContaining({ type: 'tool_withheld', server: 'runbooks', tool: 'lookup' }),
    );
    const lookups = lines.filter(
      (l) => l.type === 'tool_call' && l.server === 'runbooks' && l.tool === 'lookup',
    );
    expect(lookups).toHaveLength(1);
  });
});
