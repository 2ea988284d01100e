import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report/schema.js';
import { runCli } from './helpers/cli.js';

// Issue 13: the reference GitHub server has our tool names and other arguments (owner/repo/path).
const SERVER = fileURLToPath(new URL('./fixtures/reference-github-server.mjs', import.meta.url));

async function config(env: Record<string, string> = {}, more: Record<string, unknown> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'reference-github-'));
  const file = path.join(dir, 'sre-agent.json');
  const github = {
    command: process.execPath,
    args: [SERVER],
    env,
    tools: ['get_file_contents', 'list_commits', 'search_code'],
  };
  await writeFile(file, JSON.stringify({ mcpServers: { github, ...more } }));
  return { file, audit: path.join(dir, 'audit.jsonl') };
}

const diagnose = (file: string, audit: string) =>
  runCli([
    'diagnose',
    '--service',
    'cart-service',
    '--sandbox',
    '--output',
    'json',
    '--config',
    file,
    '--audit-log',
    audit,
  ]);

const toolCalls = async (audit: string) =>
  (await readFile(audit, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map(
      (l) =>
        JSON.parse(l) as {
          type: string;
          server?: string;
          tool?: string;
          arguments?: Record<string, unknown>;
        },
    )
    .filter((e) => e.type === 'tool_call' && e.server === 'github');

describe('the reference GitHub server configured as github', () => {
  it('that cannot reach GitHub: called with its own arguments, the report is degraded and names it', async () => {
    const { file, audit } = await config();
    const { code, stdout, stderr } = await diagnose(file, audit);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.degraded).toBe(true);
    expect(report.degradedReasons).toContainEqual(
      expect.stringMatching(/^MCP server 'github' failed every call \(\d+ of \d+\): .*fetch failed/),
    );
    expect(report.gaps.map((g) => g.why).join('\n')).toMatch(/GitHub API unreachable/);
    const calls = await toolCalls(audit);
    expect(calls.length).toBeGreaterThan(0);
    // Never with our server's argument shapes: every file read names the repository.
    for (const call of calls.filter((c) => c.tool === 'get_file_contents'))
      expect(call.arguments).toMatchObject({ owner: 'fuzzylabs', repo: 'microservices-demo' });
    for (const call of calls.filter((c) => c.tool === 'search_code'))
      expect(String(call.arguments?.q)).toMatch(/repo:fuzzylabs\/microservices-demo$/);
  }, 60_000);

  it('that reaches a GitHub API: its answers are read like ours and the suspect file is found', async () => {
    // The sandbox's GitHub, which `--sandbox` puts in the environment the config is read with.
    const { file, audit } = await config({ REFERENCE_GITHUB_API: '${GITHUB_API_URL}' });
    const { code, stdout, stderr } = await diagnose(file, audit);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.suspectFiles.map((f) => f.path)).toContain(
      'src/cartservice/src/cartstore/RedisCartStore.cs',
    );
    expect(report.degradedReasons.join('\n')).not.toMatch(/MCP server 'github'/);
  }, 60_000);

  it('config check shows which capability each tool serves, and a server that fits nothing as unused', async () => {
    const { file } = await config(
      {},
      {
        notes: {
          command: process.execPath,
          args: [fileURLToPath(new URL('./fixtures/community/mutating-mcp-server.mjs', import.meta.url))],
          tools: ['lookup'],
        },
        missing: { command: 'no-such-mcp-server-binary', tools: ['x'] },
      },
    );
    const { code, stdout } = await runCli(['config', 'check', '--sandbox', '--config', file]);
    // One server could not start: exit 2, but every other server was still checked.
    expect(code).toBe(2);
    expect(stdout).toMatch(
      /^github\s+configured\s+ok\s+3\/4\s+modelcontextprotocol-server-github: fileContents, listCommits, searchCode$/m,
    );
    expect(stdout).toMatch(
      /^notes\s+configured\s+UNUSED\s+.*matches no capability: offers none of the tools/m,
    );
    expect(stdout).toMatch(/^missing\s+configured\s+FAILED\s+-\s+.*no-such-mcp-server-binary/m);
    expect(stdout).toMatch(/^kubernetes\s+bundled\s+ok/m);
    expect(stdout).toMatch(/allowed\s+get_file_contents\s+sha256:[0-9a-f]{64}\s+serves fileContents/);
  }, 60_000);
});
