import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Scenario, ScenarioCommit } from './scenario-types.js';
import type { RepoContext } from './github-shapes.js';
import {
  commitDetail,
  commitSummary,
  directoryListing,
  fileContent,
  gitBlobSha,
  isDirectoryPath,
  parseAuthor,
} from './github-shapes.js';
import { repositorySummary, searchCode } from './github-search.js';
import { listenLocal, pathSegments, sendJson, sendText } from './local-http.js';
import type { LocalServer } from './local-http.js';

const docs = 'https://docs.github.com/rest';

class GitHubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
const notFound = () => new GitHubError(404, 'Not Found');

function pageOf(params: URLSearchParams): { page: number; perPage: number } {
  const perPage = Math.min(100, Math.max(1, Number(params.get('per_page')) || 30));
  const page = Math.max(1, Number(params.get('page')) || 1);
  return { page, perPage };
}

/** Send one page of `items` with the Link header that Octokit's paginate() follows. */
function sendPage(
  res: ServerResponse,
  url: URL,
  apiBase: string,
  items: unknown[],
  wrap?: (page: unknown[]) => unknown,
): void {
  const { page, perPage } = pageOf(url.searchParams);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string) => {
    const target = new URL(apiBase + url.pathname.replace(/^\/api\/v3/, ''));
    url.searchParams.forEach((value, key) => target.searchParams.set(key, value));
    target.searchParams.set('page', String(n));
    target.searchParams.set('per_page', String(perPage));
    return `<${target.toString()}>; rel="${rel}"`;
  };
  const links = [
    ...(page > 1 ? [link(page - 1, 'prev'), link(1, 'first')] : []),
    ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
  ];
  const slice = items.slice((page - 1) * perPage, page * perPage);
  sendJson(res, 200, wrap ? wrap(slice) : slice, links.length ? { link: links.join(', ') } : {});
}

function findCommit(commits: ScenarioCommit[], ref: string): number {
  const lower = ref.toLowerCase();
  if (lower === 'main' || lower === 'head') return commits.length ? 0 : -1;
  return lower.length >= 4 ? commits.findIndex((c) => c.sha.startsWith(lower)) : -1;
}

function listCommits(ctx: RepoContext, commits: ScenarioCommit[], res: ServerResponse, url: URL): void {
  const params = url.searchParams;
  const from = params.get('sha') ? findCommit(commits, params.get('sha') ?? '') : 0;
  if (from < 0) throw notFound();
  const path = (params.get('path') ?? '').replace(/^\/|\/$/g, '');
  const since = Date.parse(params.get('since') ?? '');
  const until = Date.parse(params.get('until') ?? '');
  const author = (params.get('author') ?? '').toLowerCase();
  const selected = commits.slice(from).filter((c) => {
    const time = Date.parse(c.date);
    if (!Number.isNaN(since) && time < since) return false;
    if (!Number.isNaN(until) && time > until) return false;
    if (path && !c.files.some((f) => f === path || f.startsWith(`${path}/`))) return false;
    const who = parseAuthor(c.author);
    return !author || [who.login, who.email.toLowerCase(), who.name.toLowerCase()].includes(author);
  });
  const items = selected.map((c) => commitSummary(ctx, c, commits[commits.indexOf(c) + 1]));
  sendPage(res, url, ctx.apiBase, items);
}

function repositoryDocument(ctx: RepoContext, commits: ScenarioCommit[], now: string) {
  return {
    ...repositorySummary(ctx),
    node_id: Buffer.from(`Repository:${ctx.owner}/${ctx.repo}`).toString('base64'),
    description: null,
    fork: false,
    visibility: 'public',
    archived: false,
    created_at: commits.at(-1)?.date ?? now,
    updated_at: commits[0]?.date ?? now,
    pushed_at: commits[0]?.date ?? now,
    size: Object.values(ctx.files).reduce((sum, content) => sum + Buffer.byteLength(content), 0) >> 10,
    topics: [],
    permissions: { admin: false, maintain: false, push: false, triage: false, pull: true },
  };
}

function serveContents(ctx: RepoContext, req: IncomingMessage, res: ServerResponse, path: string): void {
  const wantsRaw = /\.raw\b|vnd\.github\.raw/.test(req.headers.accept ?? '');
  if (path in ctx.files) {
    if (wantsRaw) return sendText(res, 200, ctx.files[path] ?? '');
    return sendJson(res, 200, fileContent(ctx, path));
  }
  if (isDirectoryPath(ctx, path)) return sendJson(res, 200, directoryListing(ctx, path));
  throw notFound();
}

function serveRepo(
  ctx: RepoContext,
  scenario: Scenario,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  rest: string[],
): void {
  const [section, ...tail] = rest;
  const commits = scenario.commits;
  if (section === undefined) return sendJson(res, 200, repositoryDocument(ctx, commits, scenario.now));
  if (section === 'contents') return serveContents(ctx, req, res, tail.join('/'));
  if (section === 'commits' && tail.length === 0) return listCommits(ctx, commits, res, url);
  if (section === 'commits' && tail.length === 1) {
    const index = findCommit(commits, tail[0] ?? '');
    const commit = commits[index];
    if (!commit) throw new GitHubError(422, `No commit found for SHA: ${tail[0] ?? ''}`);
    return sendJson(res, 200, commitDetail(ctx, commit, commits[index + 1]));
  }
  if (section === 'git' && tail[0] === 'blobs' && tail.length === 2) {
    const path = Object.keys(ctx.files).find((p) => gitBlobSha(ctx.files[p] ?? '') === tail[1]);
    if (path === undefined) throw notFound();
    return sendJson(res, 200, {
      sha: tail[1],
      size: Buffer.byteLength(ctx.files[path] ?? ''),
      encoding: 'base64',
      content: fileContent(ctx, path).content,
    });
  }
  if (section === 'git' && tail[0] === 'trees' && tail.length === 2) {
    // The whole tree, flat: what `?recursive=1` gives, which is how clients list a repository.
    const tree = Object.keys(ctx.files).map((path) => ({
      path,
      mode: '100644',
      type: 'blob',
      sha: gitBlobSha(ctx.files[path] ?? ''),
      size: Buffer.byteLength(ctx.files[path] ?? ''),
    }));
    return sendJson(res, 200, { sha: tail[1], url: url.toString(), tree, truncated: false });
  }
  throw notFound();
}

async function route(
  scenario: Scenario,
  origin: string,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  // GitHub Enterprise clients put the API under /api/v3; both spellings are served.
  const enterprise = url.pathname.startsWith('/api/v3');
  const segments = pathSegments(enterprise ? url.pathname.slice('/api/v3'.length) : url.pathname);
  const [owner = '', repo = ''] = scenario.repository.split('/');
  const ctx: RepoContext = {
    owner,
    repo,
    apiBase: enterprise ? `${origin}/api/v3` : origin,
    files: scenario.repoFiles,
  };
  if (req.method !== 'GET' && req.method !== 'HEAD')
    throw new GitHubError(403, 'Resource not accessible by integration');
  const [first, second, third, ...rest] = segments;
  const isOurRepo =
    second?.toLowerCase() === owner.toLowerCase() && third?.toLowerCase() === repo.toLowerCase();
  if (first === 'repos' && isOurRepo) return serveRepo(ctx, scenario, req, res, url, rest);
  if (first === 'raw' && isOurRepo) {
    const path = rest.slice(1).join('/');
    if (!(path in ctx.files)) throw notFound();
    return sendText(res, 200, ctx.files[path] ?? '');
  }
  if (first === 'search' && second === 'code' && segments.length === 2) {
    const q = url.searchParams.get('q') ?? '';
    if (q.trim() === '') {
      throw new GitHubError(422, 'Validation Failed', {
        errors: [{ resource: 'Search', field: 'q', code: 'missing' }],
      });
    }
    const items = searchCode(ctx, q);
    return sendPage(res, url, ctx.apiBase, items, (page) => ({
      total_count: items.length,
      incomplete_results: false,
      items: page,
    }));
  }
  if (first === 'user' && segments.length === 1) {
    return sendJson(res, 200, {
      login: 'sre-agent-sandbox[bot]',
      id: 1,
      type: 'Bot',
      html_url: 'https://github.com/apps/sre-agent-sandbox',
    });
  }
  throw notFound();
}

/**
 * Serve a scenario's repository as a read-only GitHub REST API on 127.0.0.1: repository,
 * contents, commits, single commits with patches and code search. Any token is accepted.
 */
export async function startGitHubApi(scenario: Scenario): Promise<LocalServer> {
  let origin = '';
  const server = await listenLocal('github', async (req, res, url) => {
    try {
      await route(scenario, origin, req, res, url);
    } catch (error) {
      if (!(error instanceof GitHubError)) throw error;
      sendJson(res, error.status, {
        message: error.message,
        ...error.extra,
        documentation_url: docs,
        status: String(error.status),
      });
    }
  });
  origin = server.url;
  return server;
}
