import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import type { Scenario, ScenarioCommit } from '../src/sandbox/scenario-types.js';
import { BUNDLED_ALLOWLISTS } from '../src/mcp/server-spec.js';
import { gitHubDepsFromEnv } from '../src/servers/github/from-env.js';
import type { GetCommitOutput } from '../src/servers/github/get-commit.js';
import type { DirectoryListingOutput, FileContentsOutput } from '../src/servers/github/get-file-contents.js';
import type { ListCommitsOutput } from '../src/servers/github/list-commits.js';
import type { SearchCodeOutput } from '../src/servers/github/search-code.js';
import { createGitHubServer } from '../src/servers/github/server.js';
import { silentLogger } from '../src/util/log.js';

const scenarioDir = fileURLToPath(new URL('../scenarios/cart-service-loafers', import.meta.url));
const storePath = 'src/cartservice/src/cartstore/RedisCartStore.cs';
const bigPath = 'generated/big.txt';

/** A commit with a patch longer than one answer shows and a file without a patch; the scenario has neither. */
const bigCommit: ScenarioCommit = {
  sha: 'abcdef1234567890abcdef1234567890abcdef12',
  message: 'Regenerate the big file\n\nProduced by the generator, do not edit by hand.',
  author: 'Build Bot <bot@example.com>',
  date: '2026-11-20T13:40:00Z',
  files: [bigPath, 'assets/logo.png'],
  patches: {
    [bigPath]: `@@ -0,0 +1,450 @@\n${Array.from({ length: 450 }, (_, i) => `+big ${i + 1}`).join('\n')}\n`,
  },
};

let scenario: Scenario;
let sandbox: Sandbox;
let client: Client;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const base = await loadScenario(scenarioDir);
  // A file longer than one answer shows, which the scenario does not have.
  const big = Array.from({ length: 450 }, (_, i) => `big ${i + 1}`).join('\n') + '\n';
  scenario = {
    ...base,
    repoFiles: { ...base.repoFiles, [bigPath]: big },
    commits: [bigCommit, ...base.commits],
  };
  sandbox = await startSandbox(scenario);
  const created = createGitHubServer(gitHubDepsFromEnv({ ...sandbox.env }, silentLogger));
  cleanup = created.cleanup;
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await created.server.connect(serverTransport);
  client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(clientTransport);
});

afterAll(async () => {
  await client.close();
  await cleanup();
  await sandbox.close();
});

/** The scenario's lines of the cart store, and where the loafers constant is. */
function storeLines(): { lines: string[]; loafersLine: number } {
  const lines = (scenario.repoFiles[storePath] ?? '').replace(/\n$/, '').split('\n');
  return { lines, loafersLine: lines.findIndex((line) => line.includes('L9ECAV7KIM')) + 1 };
}

async function call<T = unknown>(
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult & { text: string; data: T }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const first = result.content[0];
  return { ...result, text: first?.type === 'text' ? first.text : '', data: result.structuredContent as T };
}

describe('bundled github server', () => {
  it('lists its read-only tools, all of them allowlisted for the model', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    expect(names).toEqual(['get_commit', 'get_file_contents', 'list_commits', 'search_code']);
    expect([...BUNDLED_ALLOWLISTS.github.allow].sort()).toEqual(names);
    for (const tool of tools) expect(tool.annotations?.readOnlyHint).toBe(true);
  });

  it('returns a whole file with a header and numbered lines', async () => {
    const { lines, loafersLine } = storeLines();
    const result = await call<FileContentsOutput>('get_file_contents', { path: storePath });
    expect(result.isError).toBeFalsy();
    const text = result.text.split('\n');
    expect(text[0]).toMatch(
      new RegExp(`^${storePath}@HEAD \\(${lines.length} lines\\) https?://\\S+${storePath}$`),
    );
    expect(text).toHaveLength(lines.length + 1);
    expect(text[loafersLine]).toBe(`${String(loafersLine).padStart(4)}| ${lines[loafersLine - 1]}`);
    expect(result.data).toMatchObject({
      path: storePath,
      ref: 'HEAD',
      totalLines: lines.length,
      startLine: 1,
      endLine: lines.length,
      content: lines.join('\n'),
    });
    expect(result.data.url).toContain(storePath);
  });

  it('returns the requested window of lines', async () => {
    const { lines, loafersLine } = storeLines();
    const window = { startLine: loafersLine - 1, endLine: loafersLine + 1 };
    const result = await call<FileContentsOutput>('get_file_contents', { path: `/${storePath}`, ...window });
    expect(result.text.split('\n').slice(1)).toEqual(
      [loafersLine - 1, loafersLine, loafersLine + 1].map((n) => `${String(n).padStart(4)}| ${lines[n - 1]}`),
    );
    expect(result.data).toMatchObject({ ...window, totalLines: lines.length });
    expect(result.data.content).toContain('L9ECAV7KIM');
  });

  it('truncates long files at 400 lines and says how to read on', async () => {
    const result = await call<FileContentsOutput>('get_file_contents', { path: bigPath });
    expect(result.data).toMatchObject({ totalLines: 450, startLine: 1, endLine: 400 });
    expect(result.text).toContain(' 400| big 400');
    expect(result.text).not.toContain('big 401');
    expect(result.text).toContain('startLine=401');
    const rest = await call<FileContentsOutput>('get_file_contents', { path: bigPath, startLine: 401 });
    expect(rest.data).toMatchObject({ startLine: 401, endLine: 450 });
  });

  it('lists a directory', async () => {
    const result = await call<DirectoryListingOutput>('get_file_contents', {
      path: 'src/cartservice/src/cartstore',
    });
    expect(result.isError).toBeFalsy();
    expect(result.data.entries.map((e) => e.path).sort()).toEqual([
      'src/cartservice/src/cartstore/ICartStore.cs',
      storePath,
    ]);
    expect(result.text).toContain(`file ${storePath}`);
  });

  it('reports a missing file as an error that suggests search_code', async () => {
    const result = await call('get_file_contents', { path: 'src/missing.cs' });
    expect(result.isError).toBe(true);
    expect(result.text).toBe(
      `'src/missing.cs' not found in ${scenario.repository} at HEAD; try search_code to find the right path.`,
    );
  });

  it('refuses a window past the end of the file', async () => {
    const result = await call('get_file_contents', { path: storePath, startLine: 5000 });
    expect(result.isError).toBe(true);
    expect(result.text).toContain(`the file has ${storeLines().lines.length} lines`);
  });

  it('searches code in the configured repository only', async () => {
    const result = await call<SearchCodeOutput>('search_code', { query: 'L9ECAV7KIM repo:someone/else' });
    expect(result.isError).toBeFalsy();
    expect(result.data.items.map((item) => item.path)).toContain(storePath);
    expect(result.data.total).toBe(result.data.items.length);
    expect(result.text).toContain(`in ${scenario.repository} match "L9ECAV7KIM"`);
    const none = await call<SearchCodeOutput>('search_code', { query: 'NoSuchSymbolAnywhere' });
    expect(none.data).toEqual({ total: 0, items: [] });
    expect(none.text).toContain(`No code in ${scenario.repository} matches`);
  });

  it('lists the commits that touched a file, newest first', async () => {
    const result = await call<ListCommitsOutput>('list_commits', { path: storePath });
    expect(result.data.commits[0]).toEqual({
      sha: 'd3bf18b69ea629283d172405c0fd770955bee38d',
      message: 'Validate product ids in cart store',
      author: 'Dan Whitfield',
      date: '2026-11-20T12:14:37Z',
      url: expect.stringContaining('d3bf18b69ea629283d172405c0fd770955bee38d'),
    });
    expect(result.text).toContain(
      'd3bf18b69ea629283d172405c0fd770955bee38d 2026-11-20T12:14:37Z Dan Whitfield',
    );
    const all = await call<ListCommitsOutput>('list_commits', {});
    const dates = all.data.commits.map((c) => Date.parse(c.date));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    const limited = await call<ListCommitsOutput>('list_commits', { limit: 1 });
    expect(limited.data.commits).toHaveLength(1);
    const recent = await call<ListCommitsOutput>('list_commits', { since: '2026-11-20T00:00:00Z' });
    expect(recent.data.commits.every((c) => c.date >= '2026-11-20')).toBe(true);
    const bad = await call('list_commits', { since: 'last tuesday' });
    expect(bad.isError).toBe(true);
  });

  it('centres a window on aroundLine and marks that line', async () => {
    const { lines, loafersLine } = storeLines();
    const result = await call<FileContentsOutput>('get_file_contents', {
      path: storePath,
      aroundLine: loafersLine,
      context: 2,
    });
    expect(result.data).toMatchObject({
      startLine: loafersLine - 2,
      endLine: loafersLine + 2,
      aroundLine: loafersLine,
    });
    const body = result.text.split('\n').slice(1);
    expect(body).toHaveLength(5);
    expect(body[2]).toBe(`${String(loafersLine).padStart(4)}|>${lines[loafersLine - 1]}`);
    expect(body[1]).toBe(`${String(loafersLine - 1).padStart(4)}| ${lines[loafersLine - 2]}`);
  });

  it('shows 15 lines either side by default, clipped at the file start', async () => {
    const result = await call<FileContentsOutput>('get_file_contents', { path: storePath, aroundLine: 3 });
    expect(result.data).toMatchObject({ startLine: 1, endLine: 18 });
    const past = await call('get_file_contents', { path: storePath, aroundLine: 5000 });
    expect(past.isError).toBe(true);
    expect(past.text).toContain('aroundLine 5000 is past its end');
    const both = await call('get_file_contents', { path: storePath, aroundLine: 3, startLine: 1 });
    expect(both.isError).toBe(true);
    expect(both.text).toContain('either aroundLine');
  });

  it('shows a commit by sha prefix with message, files and patches', async () => {
    const result = await call<GetCommitOutput>('get_commit', { sha: 'd3bf18b' });
    expect(result.isError).toBeFalsy();
    expect(result.data).toMatchObject({
      sha: 'd3bf18b69ea629283d172405c0fd770955bee38d',
      author: 'Dan Whitfield',
      date: '2026-11-20T12:14:37Z',
      url: expect.stringContaining('/commit/d3bf18b69ea629283d172405c0fd770955bee38d'),
      stats: { additions: 13, deletions: 0, files: 1 },
    });
    expect(result.data.message).toMatch(/^Validate product ids in cart store\n\nReject out-of-range/);
    expect(result.data.files[0]).toMatchObject({ filename: storePath, status: 'modified', additions: 13 });
    const lines = result.text.split('\n');
    expect(lines[0]).toBe(
      'commit d3bf18b69ea629283d172405c0fd770955bee38d 2026-11-20T12:14:37Z Dan Whitfield: ' +
        'Validate product ids in cart store',
    );
    expect(result.text).toContain(`modified ${storePath} +13 -0`);
    expect(result.text).toContain('  +        private const string LoafersProductId = "L9ECAV7KIM";');
  });

  it('cuts a long patch at 60 lines and says so', async () => {
    const result = await call<GetCommitOutput>('get_commit', { sha: 'abcdef12' });
    const [big, logo] = result.data.files;
    expect(big).toMatchObject({ filename: bigPath, status: 'added', additions: 450, patchLines: 451 });
    expect(big?.patch?.split('\n')).toHaveLength(60);
    expect(logo).toMatchObject({ filename: 'assets/logo.png' });
    expect(logo?.patch).toBeUndefined();
    expect(result.text).toContain('  +big 59');
    expect(result.text).not.toContain('+big 60');
    expect(result.text).toContain('… patch cut: showing 60 of 451 lines');
    expect(result.text).toContain('(no patch: binary');
  });

  it('explains an unknown or malformed sha', async () => {
    const unknown = await call('get_commit', { sha: '0000000' });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain("No commit '0000000'");
    expect(unknown.text).toContain('list_commits');
    const malformed = await call('get_commit', { sha: 'HEAD~1' });
    expect(malformed.isError).toBe(true);
  });

  it('keeps to a since/until window given as ISO dates or times with offsets', async () => {
    const result = await call<ListCommitsOutput>('list_commits', {
      since: '2026-11-19',
      until: '2026-11-20T13:20:00+01:00',
    });
    expect(result.data.commits.map((c) => c.sha.slice(0, 7))).toEqual(['d3bf18b', '57e48bd']);
    expect(result.text.split('\n')[0]).toBe(
      `2 commit(s) in ${scenario.repository} since 2026-11-19T00:00:00Z until 2026-11-20T12:20:00Z, newest first:`,
    );
    const reversed = await call('list_commits', { since: '2026-11-20', until: '2026-11-19' });
    expect(reversed.isError).toBe(true);
    expect(reversed.text).toContain('is after until');
    const bad = await call('list_commits', { until: 'yesterday' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain("until 'yesterday' is not an ISO 8601 time");
  });
});
