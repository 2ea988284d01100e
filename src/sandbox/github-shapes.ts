import { createHash } from 'node:crypto';
import type { ScenarioCommit } from './scenario-types.js';

/** What every GitHub object URL is built from. */
export interface RepoContext {
  owner: string;
  repo: string;
  /** Base of the API as the client called it, e.g. `http://127.0.0.1:4000` or `.../api/v3`. */
  apiBase: string;
  files: Record<string, string>;
}

const branch = 'main';

/** Git's blob id: sha1 of `blob <size>\0<content>`, so shas match what `git hash-object` says. */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** A stable id for a directory listing (git would hash the tree; any stable value will do here). */
export function treeSha(ctx: RepoContext, dir: string): string {
  const entries = Object.keys(ctx.files).filter((p) => dir === '' || p.startsWith(`${dir}/`));
  return createHash('sha1')
    .update(`tree ${dir}\0${entries.join('\n')}`)
    .digest('hex');
}

/** GitHub wraps base64 content at 60 characters per line. */
function wrappedBase64(content: string): string {
  const encoded = Buffer.from(content, 'utf8').toString('base64');
  return (encoded.match(/.{1,60}/g) ?? []).map((line) => `${line}\n`).join('');
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function repoApi(ctx: RepoContext): string {
  return `${ctx.apiBase}/repos/${ctx.owner}/${ctx.repo}`;
}

/** One entry of a directory listing (`type: file | dir`) without file content. */
export function contentEntry(ctx: RepoContext, path: string, type: 'file' | 'dir') {
  const isFile = type === 'file';
  const content = ctx.files[path] ?? '';
  const sha = isFile ? gitBlobSha(content) : treeSha(ctx, path);
  const url = `${repoApi(ctx)}/contents/${encodePath(path)}?ref=${branch}`;
  const htmlUrl = `https://github.com/${ctx.owner}/${ctx.repo}/${isFile ? 'blob' : 'tree'}/${branch}/${encodePath(path)}`;
  const gitUrl = `${repoApi(ctx)}/git/${isFile ? 'blobs' : 'trees'}/${sha}`;
  return {
    name: path.split('/').at(-1) ?? path,
    path,
    sha,
    size: isFile ? Buffer.byteLength(content) : 0,
    url,
    html_url: htmlUrl,
    git_url: gitUrl,
    // Served by the sandbox itself so that following it never leaves the machine.
    download_url: isFile ? `${ctx.apiBase}/raw/${ctx.owner}/${ctx.repo}/${branch}/${encodePath(path)}` : null,
    type,
    _links: { self: url, git: gitUrl, html: htmlUrl },
  };
}

/** A file as `GET /repos/o/r/contents/<path>` returns it, content in wrapped base64. */
export function fileContent(ctx: RepoContext, path: string) {
  return {
    ...contentEntry(ctx, path, 'file'),
    content: wrappedBase64(ctx.files[path] ?? ''),
    encoding: 'base64',
  };
}

/** The entries directly under `dir` ('' for the root), directories first as GitHub lists them. */
export function directoryListing(ctx: RepoContext, dir: string) {
  const prefix = dir === '' ? '' : `${dir}/`;
  const files: string[] = [];
  const dirs = new Set<string>();
  for (const path of Object.keys(ctx.files)) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) files.push(path);
    else dirs.add(prefix + rest.slice(0, slash));
  }
  const entries = [
    ...[...dirs].map((path) => contentEntry(ctx, path, 'dir')),
    ...files.map((path) => contentEntry(ctx, path, 'file')),
  ];
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/** Whether `path` is a directory of the repository ('' is the root). */
export function isDirectoryPath(ctx: RepoContext, path: string): boolean {
  return path === '' || Object.keys(ctx.files).some((p) => p.startsWith(`${path}/`));
}

/** `Jane Doe <jane@x.io>` → name and email; a bare name gets a noreply address and a login. */
export function parseAuthor(author: string): { name: string; email: string; login: string } {
  const match = /^(.*?)\s*<([^>]+)>$/.exec(author.trim());
  const name = (match?.[1] ?? author).trim() || author.trim();
  const login =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'ghost';
  return { name, email: match?.[2] ?? `${login}@users.noreply.github.com`, login };
}

function userObject(ctx: RepoContext, login: string) {
  return {
    login,
    id: parseInt(createHash('sha1').update(login).digest('hex').slice(0, 7), 16),
    type: 'User',
    url: `${ctx.apiBase}/users/${login}`,
    html_url: `https://github.com/${login}`,
    avatar_url: `https://avatars.githubusercontent.com/${login}`,
  };
}

/** A commit as the commits list returns it; `parent` is the next older commit, if any. */
export function commitSummary(ctx: RepoContext, commit: ScenarioCommit, parent: ScenarioCommit | undefined) {
  const author = parseAuthor(commit.author);
  const signature = { name: author.name, email: author.email, date: commit.date };
  const url = `${repoApi(ctx)}/commits/${commit.sha}`;
  return {
    sha: commit.sha,
    node_id: Buffer.from(`Commit:${commit.sha}`).toString('base64'),
    commit: {
      author: signature,
      committer: signature,
      message: commit.message,
      tree: { sha: treeSha(ctx, commit.sha), url: `${repoApi(ctx)}/git/trees/${treeSha(ctx, commit.sha)}` },
      url: `${repoApi(ctx)}/git/commits/${commit.sha}`,
      comment_count: 0,
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null },
    },
    url,
    html_url: `https://github.com/${ctx.owner}/${ctx.repo}/commit/${commit.sha}`,
    comments_url: `${url}/comments`,
    author: userObject(ctx, author.login),
    committer: userObject(ctx, author.login),
    parents: parent
      ? [
          {
            sha: parent.sha,
            url: `${repoApi(ctx)}/commits/${parent.sha}`,
            html_url: `https://github.com/${ctx.owner}/${ctx.repo}/commit/${parent.sha}`,
          },
        ]
      : [],
  };
}

function patchStats(patch: string | undefined) {
  const lines = (patch ?? '').split('\n');
  const additions = lines.filter((l) => l.startsWith('+') && !l.startsWith('+++')).length;
  const deletions = lines.filter((l) => l.startsWith('-') && !l.startsWith('---')).length;
  return { additions, deletions, changes: additions + deletions };
}

function fileStatus(ctx: RepoContext, path: string, patch: string | undefined): string {
  if (patch?.includes('--- /dev/null') || /^@@ -0,0 /.test(patch ?? '')) return 'added';
  if (patch?.includes('+++ /dev/null') || !(path in ctx.files)) return 'removed';
  return 'modified';
}

/** A single commit (`GET /repos/o/r/commits/{sha}`): the summary plus stats and files with patches. */
export function commitDetail(ctx: RepoContext, commit: ScenarioCommit, parent: ScenarioCommit | undefined) {
  const files = commit.files.map((filename) => {
    const patch = commit.patches?.[filename];
    const status = fileStatus(ctx, filename, patch);
    const blob = status === 'removed' ? '0'.repeat(40) : gitBlobSha(ctx.files[filename] ?? '');
    return {
      sha: blob,
      filename,
      status,
      ...patchStats(patch),
      blob_url: `https://github.com/${ctx.owner}/${ctx.repo}/blob/${commit.sha}/${encodePath(filename)}`,
      raw_url: `${ctx.apiBase}/raw/${ctx.owner}/${ctx.repo}/${commit.sha}/${encodePath(filename)}`,
      contents_url: `${repoApi(ctx)}/contents/${encodePath(filename)}?ref=${commit.sha}`,
      ...(patch !== undefined ? { patch } : {}),
    };
  });
  const additions = files.reduce((sum, f) => sum + f.additions, 0);
  const deletions = files.reduce((sum, f) => sum + f.deletions, 0);
  return {
    ...commitSummary(ctx, commit, parent),
    stats: { total: additions + deletions, additions, deletions },
    files,
  };
}
