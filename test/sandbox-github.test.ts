import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox } from '../src/sandbox/sandbox.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';

const fixture = join(import.meta.dirname, 'fixtures', 'scenarios', 'shop-checkout');
const repo = { owner: 'acme', repo: 'shop' };
const moneyPath = 'src/checkoutservice/money/money.go';

let sandbox: Sandbox;
let octokit: Octokit;

beforeAll(async () => {
  sandbox = await startSandbox(await loadScenario(fixture));
  octokit = new Octokit({ baseUrl: sandbox.env.GITHUB_API_URL, auth: sandbox.env.GITHUB_TOKEN });
});
afterAll(() => sandbox.close());

async function status(call: Promise<unknown>): Promise<{ status: number; message: unknown }> {
  const error = (await call.then(
    () => undefined,
    (e: unknown) => e,
  )) as { status: number; response?: { data?: { message?: unknown } } };
  return { status: error.status, message: error.response?.data?.message };
}

describe('GitHub REST through Octokit', () => {
  it('serves the repository with main as its default branch', async () => {
    const { data } = await octokit.rest.repos.get(repo);
    expect(data).toMatchObject({
      full_name: 'acme/shop',
      default_branch: 'main',
      html_url: 'https://github.com/acme/shop',
    });
    expect((await status(octokit.rest.repos.get({ owner: 'acme', repo: 'other' }))).status).toBe(404);
  });

  it('serves a file with the full GitHub object shape', async () => {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path: moneyPath, ref: 'main' });
    if (Array.isArray(data) || data.type !== 'file') throw new Error('expected a file');
    const text = sandbox.scenario.repoFiles[moneyPath] ?? '';
    const blobSha = createHash('sha1')
      .update(`blob ${Buffer.byteLength(text)}\0${text}`)
      .digest('hex');
    expect(data).toMatchObject({
      type: 'file',
      encoding: 'base64',
      name: 'money.go',
      path: moneyPath,
      size: Buffer.byteLength(text),
      sha: blobSha,
      html_url: `https://github.com/acme/shop/blob/main/${moneyPath}`,
      url: `${sandbox.env.GITHUB_API_URL}/repos/acme/shop/contents/${moneyPath}?ref=main`,
      git_url: `${sandbox.env.GITHUB_API_URL}/repos/acme/shop/git/blobs/${blobSha}`,
      _links: { html: `https://github.com/acme/shop/blob/main/${moneyPath}` },
    });
    expect(data.content.split('\n').every((line) => line.length <= 60)).toBe(true);
    expect(Buffer.from(data.content, 'base64').toString('utf8')).toBe(text);
    const download = await fetch(data.download_url ?? '');
    expect(await download.text()).toBe(text);
  });

  it('serves directories as arrays of entries, the root included', async () => {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path: 'src/checkoutservice' });
    expect(Array.isArray(data) && data.map((e) => [e.type, e.path, e.download_url === null])).toEqual([
      ['file', 'src/checkoutservice/main.go', false],
      ['dir', 'src/checkoutservice/money', true],
    ]);
    const root = await octokit.rest.repos.getContent({ ...repo, path: '' });
    expect(Array.isArray(root.data) && root.data.map((e) => e.name)).toEqual(['docs', 'README.md', 'src']);
    const missing = await status(octokit.rest.repos.getContent({ ...repo, path: 'nope.txt' }));
    expect(missing).toEqual({ status: 404, message: 'Not Found' });
  });

  it('honours the raw media type', async () => {
    const { data } = await octokit.rest.repos.getContent({
      ...repo,
      path: 'README.md',
      mediaType: { format: 'raw' },
    });
    expect(data as unknown).toBe(sandbox.scenario.repoFiles['README.md']);
  });

  it('lists commits newest first, filtered by path and since, paged', async () => {
    const all = await octokit.rest.repos.listCommits(repo);
    expect(all.data.map((c) => [c.sha.slice(0, 7), c.commit.author?.date])).toEqual([
      ['a1b2c3d', '2026-11-20T11:30:00.000Z'],
      ['9f8e7d6', '2026-11-18T14:30:00.000Z'],
      ['0123456', '2026-10-01T09:00:00.000Z'],
    ]);
    expect(all.data[0]).toMatchObject({
      commit: {
        message: 'money: round totals per currency',
        author: { name: 'Dana Lee', email: 'dana@acme.example' },
      },
      html_url: 'https://github.com/acme/shop/commit/a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      author: { login: 'dana-lee' },
      parents: [{ sha: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432' }],
    });
    const byPath = await octokit.rest.repos.listCommits({ ...repo, path: moneyPath });
    expect(byPath.data.map((c) => c.sha.slice(0, 7))).toEqual(['a1b2c3d', '0123456']);
    const byDir = await octokit.rest.repos.listCommits({ ...repo, path: 'docs' });
    expect(byDir.data.map((c) => c.sha.slice(0, 7))).toEqual(['9f8e7d6']);
    const recent = await octokit.rest.repos.listCommits({ ...repo, since: '2026-11-19T00:00:00Z' });
    expect(recent.data.map((c) => c.sha.slice(0, 7))).toEqual(['a1b2c3d']);
    const until = await octokit.rest.repos.listCommits({
      ...repo,
      until: '2026-11-19T00:00:00Z',
      sha: 'main',
    });
    expect(until.data.map((c) => c.sha.slice(0, 7))).toEqual(['9f8e7d6', '0123456']);
    const paged = await octokit.paginate(octokit.rest.repos.listCommits, { ...repo, per_page: 1 });
    expect(paged.map((c) => c.sha.slice(0, 7))).toEqual(['a1b2c3d', '9f8e7d6', '0123456']);
    const second = await octokit.rest.repos.listCommits({ ...repo, per_page: 2, page: 2 });
    expect(second.data.map((c) => c.sha.slice(0, 7))).toEqual(['0123456']);
  });

  it('serves a single commit by sha prefix, with files and patches', async () => {
    const { data } = await octokit.rest.repos.getCommit({ ...repo, ref: 'a1b2c3d' });
    expect(data.sha).toBe('a1b2c3d4e5f60718293a4b5c6d7e8f9012345678');
    expect(data.files?.map((f) => [f.filename, f.status, f.additions, f.deletions, f.changes])).toEqual([
      [moneyPath, 'modified', 7, 0, 7],
    ]);
    expect(data.files?.[0]?.patch).toContain('+var precision map[string]int');
    expect(data.stats).toEqual({ total: 7, additions: 7, deletions: 0 });
    const first = await octokit.rest.repos.getCommit({ ...repo, ref: '0123456789ab' });
    expect(first.data.files?.map((f) => [f.filename, f.status])).toEqual([
      ['src/checkoutservice/main.go', 'modified'],
      [moneyPath, 'modified'],
      ['README.md', 'added'],
    ]);
    expect((await status(octokit.rest.repos.getCommit({ ...repo, ref: 'deadbeef' }))).status).toBe(422);
  });

  it('searches code by terms and qualifiers', async () => {
    const search = async (q: string) => (await octokit.rest.search.code({ q })).data;
    const found = await search('precision repo:acme/shop');
    expect(found).toMatchObject({ total_count: 1, incomplete_results: false });
    expect(found.items[0]).toMatchObject({
      name: 'money.go',
      path: moneyPath,
      html_url: `https://github.com/acme/shop/blob/main/${moneyPath}`,
      repository: { full_name: 'acme/shop' },
    });
    expect((await search('Round repo:acme/shop extension:go')).items.map((i) => i.path)).toEqual([
      'src/checkoutservice/main.go',
      moneyPath,
    ]);
    expect(
      (await search('Round language:go path:src/checkoutservice/money')).items.map((i) => i.path),
    ).toEqual([moneyPath]);
    expect((await search('filename:notes.txt')).items.map((i) => i.path)).toEqual(['docs/notes.txt']);
    expect((await search('"money.Round" checkout')).items.map((i) => i.path)).toEqual([
      'docs/notes.txt',
      'src/checkoutservice/main.go',
    ]);
    expect((await search('"money.Round" in:path')).total_count).toBe(0);
    expect((await search('precision repo:acme/other')).total_count).toBe(0);
    expect((await status(octokit.rest.search.code({ q: '' }))).status).toBe(422);
  });

  it('also answers under /api/v3 and refuses writes', async () => {
    const enterprise = new Octokit({ baseUrl: `${sandbox.env.GITHUB_API_URL}/api/v3`, auth: 'any-token' });
    const { data } = await enterprise.rest.repos.getContent({ ...repo, path: 'README.md' });
    expect(!Array.isArray(data) && data.url).toBe(
      `${sandbox.env.GITHUB_API_URL}/api/v3/repos/acme/shop/contents/README.md?ref=main`,
    );
    const write = await status(octokit.rest.issues.create({ ...repo, title: 'x' }));
    expect(write.status).toBe(403);
  });
});
