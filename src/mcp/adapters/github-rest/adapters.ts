import { aroundLineWindow, fileWindow, numberLines } from '../../../servers/github/file-window.js';
import type { AdaptedResult, AdapterContext, Capability, CapabilityAdapter } from '../capability.js';
import { githubFailure, jsonOf, record, str } from './answers.js';

/**
 * How one REST-shaped GitHub server names its arguments: the reference server
 * (`@modelcontextprotocol/server-github`) says `q` and `branch`, GitHub's own server `query` and `ref`.
 */
export interface GitHubRestDialect {
  searchParam: 'q' | 'query';
  refParam: 'branch' | 'ref';
}

function ownerRepo(ctx: AdapterContext): { owner: string; repo: string } {
  const [owner, repo] = (ctx.repository ?? '').split('/');
  // The settings refuse a run without a repository (config/load.ts checkRunnable); say so anyway.
  if (!owner || !repo) throw new Error('no repository configured: set GITHUB_REPOSITORY (owner/repo)');
  return { owner, repo };
}

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** `get_file_contents` as our server answers it: a numbered window of a file, or a directory listing. */
function fileContents(dialect: GitHubRestDialect): CapabilityAdapter {
  return async (args, ctx): Promise<AdaptedResult> => {
    const path = str(args.path)
      .trim()
      .replace(/^\.?\/+/, '');
    const ref = str(args.ref);
    const outcome = await ctx.call('get_file_contents', {
      ...ownerRepo(ctx),
      path,
      ...(ref ? { [dialect.refParam]: ref } : {}),
    });
    if (!outcome.ok) return githubFailure(outcome, `file ${path}`);
    const data = jsonOf(outcome);
    const refLabel = ref || 'HEAD';
    if (Array.isArray(data)) {
      const entries = data.map((e) => {
        const r = record(e);
        return { name: str(r.name), path: str(r.path), type: str(r.type), size: num(r.size) ?? 0 };
      });
      const lines = entries.map((e) => (e.type === 'dir' ? `dir  ${e.path}/` : `${e.type} ${e.path}`));
      return {
        ok: true,
        text: [`${path || '/'}@${refLabel} is a directory (${entries.length} entries)`, ...lines].join('\n'),
        structured: { path, ref: refLabel, type: 'dir', entries },
      };
    }
    const file = record(data);
    // GitHub's own server answers a file as an embedded resource (its text), the reference one as
    // the contents API's JSON (base64).
    const content =
      typeof file.content === 'string'
        ? Buffer.from(file.content, file.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8')
        : outcome.text.replace(/^successfully downloaded[^\n]*\n/i, '');
    const aroundLine = num(args.aroundLine);
    const window =
      aroundLine !== undefined
        ? aroundLineWindow(content, aroundLine, num(args.context) ?? 15)
        : fileWindow(content, num(args.startLine), num(args.endLine));
    if (typeof window === 'string')
      return { ok: false, text: `${path}@${refLabel}: ${window}.`, error: window };
    const url = str(file.html_url);
    return {
      ok: true,
      text: `${path}@${refLabel} (${window.totalLines} lines) ${url}\n${numberLines(window.lines, window.startLine, aroundLine)}`,
      structured: {
        path,
        ref: refLabel,
        size: num(file.size) ?? Buffer.byteLength(content),
        totalLines: window.totalLines,
        startLine: window.startLine,
        endLine: window.endLine,
        url,
        ...(aroundLine !== undefined ? { aroundLine } : {}),
        content: window.lines.join('\n'),
      },
    };
  };
}

/** `search_code` within the configured repository: `{total, items: [{path, url}]}`. */
function searchCode(dialect: GitHubRestDialect): CapabilityAdapter {
  return async (args, ctx) => {
    const { owner, repo } = ownerRepo(ctx);
    const query = str(args.query);
    const outcome = await ctx.call('search_code', {
      [dialect.searchParam]: `${query} repo:${owner}/${repo}`,
    });
    if (!outcome.ok) return githubFailure(outcome, `code search for '${query}'`);
    const data = record(jsonOf(outcome));
    const items = (Array.isArray(data.items) ? data.items : []).map((item) => {
      const r = record(item);
      return { path: str(r.path), url: str(r.html_url) };
    });
    const total = num(data.total_count) ?? items.length;
    return {
      ok: true,
      text: [`${total} result(s) for '${query}'`, ...items.map((i) => `${i.path} ${i.url}`)].join('\n'),
      structured: { total, items },
    };
  };
}

function commitOf(value: unknown) {
  const r = record(value);
  const commit = record(r.commit);
  const author = record(commit.author);
  return {
    sha: str(r.sha),
    message: str(commit.message),
    author: str(author.name) || str(record(r.author).login),
    date: str(author.date),
    url: str(r.html_url),
  };
}

/**
 * `list_commits` as ours answers it. Neither server filters by path, so a request for the commits
 * of one file is refused rather than answered with every commit (which would name innocent ones).
 */
const listCommits: CapabilityAdapter = async (args, ctx) => {
  const path = str(args.path);
  if (path)
    return {
      ok: false,
      text: `This GitHub server cannot list the commits of one path (${path}); its list_commits takes no path`,
      error: 'list_commits takes no path on this server',
    };
  const outcome = await ctx.call('list_commits', { ...ownerRepo(ctx), perPage: num(args.limit) ?? 20 });
  if (!outcome.ok) return githubFailure(outcome, 'commits of the repository');
  const data = jsonOf(outcome);
  const since = Date.parse(str(args.since));
  const until = Date.parse(str(args.until));
  const commits = (Array.isArray(data) ? data : [])
    .map(commitOf)
    .filter(
      (c) =>
        (Number.isNaN(since) || Date.parse(c.date) >= since) &&
        (Number.isNaN(until) || Date.parse(c.date) <= until),
    );
  return {
    ok: true,
    text:
      commits
        .map((c) => `${c.sha.slice(0, 7)} ${c.date} ${c.author}: ${c.message.split('\n')[0]}`)
        .join('\n') || 'no commits',
    structured: { commits },
  };
};

/** `get_commit` (GitHub's own server only): the commit with the files it touched. */
const getCommit: CapabilityAdapter = async (args, ctx) => {
  const sha = str(args.sha);
  const outcome = await ctx.call('get_commit', { ...ownerRepo(ctx), sha });
  if (!outcome.ok) return githubFailure(outcome, `commit ${sha}`);
  const data = record(jsonOf(outcome));
  const files = (Array.isArray(data.files) ? data.files : []).map((f) => {
    const r = record(f);
    return {
      filename: str(r.filename),
      status: str(r.status),
      additions: num(r.additions) ?? 0,
      deletions: num(r.deletions) ?? 0,
      ...(typeof r.patch === 'string' ? { patch: r.patch.split('\n').slice(0, 60).join('\n') } : {}),
    };
  });
  const stats = record(data.stats);
  const commit = commitOf(data);
  return {
    ok: true,
    text: `${commit.sha} ${commit.message}\n${files.map((f) => `${f.status} ${f.filename}`).join('\n')}`,
    structured: {
      ...commit,
      parents: (Array.isArray(data.parents) ? data.parents : []).map((p) => str(record(p).sha)),
      stats: {
        additions: num(stats.additions) ?? 0,
        deletions: num(stats.deletions) ?? 0,
        files: files.length,
      },
      files,
    },
  };
};

/** The adapters of a REST-shaped GitHub server, in its dialect. */
export function githubRestAdapters(
  dialect: GitHubRestDialect,
): Partial<Record<Capability, CapabilityAdapter>> {
  return {
    fileContents: fileContents(dialect),
    searchCode: searchCode(dialect),
    listCommits,
    getCommit,
  };
}
