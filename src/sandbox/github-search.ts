import type { RepoContext } from './github-shapes.js';
import { gitBlobSha } from './github-shapes.js';

/** A parsed `q` of `GET /search/code`. */
export interface CodeQuery {
  repos: string[];
  owners: string[];
  filenames: string[];
  paths: string[];
  extensions: string[];
  /** `in:file`, `in:path` or both (GitHub's default when absent is both). */
  scopes: string[];
  terms: string[];
}

// GitHub's `language:` names for the extensions a scenario's repository is likely to hold.
const languageExtensions: Record<string, string[]> = {
  csharp: ['cs'],
  'c#': ['cs'],
  go: ['go'],
  python: ['py'],
  javascript: ['js', 'mjs', 'cjs'],
  typescript: ['ts', 'tsx'],
  java: ['java'],
  yaml: ['yaml', 'yml'],
  json: ['json'],
  markdown: ['md'],
  ruby: ['rb'],
  rust: ['rs'],
  shell: ['sh'],
};

/** Split on spaces, keeping `"quoted phrases"` and `qualifier:"quoted value"` whole. */
function tokens(q: string): string[] {
  return (q.match(/(?:[^\s"]+:)?"[^"]*"|\S+/g) ?? []).map((t) => t.replace(/"/g, ''));
}

/** Parse a code search query into qualifiers and plain terms. */
export function parseCodeQuery(q: string): CodeQuery {
  const query: CodeQuery = {
    repos: [],
    owners: [],
    filenames: [],
    paths: [],
    extensions: [],
    scopes: [],
    terms: [],
  };
  for (const token of tokens(q)) {
    const colon = token.indexOf(':');
    const key = colon > 0 ? token.slice(0, colon).toLowerCase() : '';
    const value = colon > 0 ? token.slice(colon + 1) : token;
    if (key === 'repo') query.repos.push(value.toLowerCase());
    else if (key === 'org' || key === 'user') query.owners.push(value.toLowerCase());
    else if (key === 'filename') query.filenames.push(value.toLowerCase());
    else if (key === 'path') query.paths.push(value.toLowerCase().replace(/^\/|\/$/g, ''));
    else if (key === 'extension') query.extensions.push(value.toLowerCase().replace(/^\./, ''));
    else if (key === 'language')
      query.extensions.push(...(languageExtensions[value.toLowerCase()] ?? [value.toLowerCase()]));
    else if (key === 'in') query.scopes.push(...value.toLowerCase().split(','));
    else if (token !== 'AND') query.terms.push(token.toLowerCase());
  }
  return query;
}

function matchesFile(query: CodeQuery, path: string, content: string): boolean {
  const lowerPath = path.toLowerCase();
  const name = lowerPath.split('/').at(-1) ?? lowerPath;
  const extension = name.includes('.') ? (name.split('.').at(-1) ?? '') : '';
  if (query.filenames.length && !query.filenames.some((f) => name === f || name.includes(f))) return false;
  if (
    query.paths.length &&
    !query.paths.some((p) => p === '' || lowerPath.startsWith(`${p}/`) || lowerPath.includes(p))
  ) {
    return false;
  }
  if (query.extensions.length && !query.extensions.includes(extension)) return false;
  const inFile = query.scopes.length === 0 || query.scopes.includes('file');
  const inPath = query.scopes.length === 0 || query.scopes.includes('path');
  const lowerContent = content.toLowerCase();
  return query.terms.every(
    (term) => (inFile && lowerContent.includes(term)) || (inPath && lowerPath.includes(term)),
  );
}

/** The repository object that search results embed. */
export function repositorySummary(ctx: RepoContext) {
  return {
    id: 1,
    name: ctx.repo,
    full_name: `${ctx.owner}/${ctx.repo}`,
    private: false,
    owner: {
      login: ctx.owner,
      type: 'Organization',
      url: `${ctx.apiBase}/users/${ctx.owner}`,
      html_url: `https://github.com/${ctx.owner}`,
    },
    html_url: `https://github.com/${ctx.owner}/${ctx.repo}`,
    url: `${ctx.apiBase}/repos/${ctx.owner}/${ctx.repo}`,
    default_branch: 'main',
  };
}

/**
 * Every file of the scenario's repository matching `q`, as `GET /search/code` returns them.
 * A `repo:`/`org:` qualifier naming another repository matches nothing.
 */
export function searchCode(ctx: RepoContext, q: string) {
  const query = parseCodeQuery(q);
  const fullName = `${ctx.owner}/${ctx.repo}`.toLowerCase();
  if (query.repos.length && !query.repos.includes(fullName)) return [];
  if (query.owners.length && !query.owners.includes(ctx.owner.toLowerCase())) return [];
  const repository = repositorySummary(ctx);
  return Object.entries(ctx.files)
    .filter(([path, content]) => matchesFile(query, path, content))
    .map(([path, content]) => {
      const sha = gitBlobSha(content);
      return {
        name: path.split('/').at(-1) ?? path,
        path,
        sha,
        url: `${ctx.apiBase}/repos/${ctx.owner}/${ctx.repo}/contents/${path}?ref=main`,
        git_url: `${ctx.apiBase}/repos/${ctx.owner}/${ctx.repo}/git/blobs/${sha}`,
        html_url: `https://github.com/${ctx.owner}/${ctx.repo}/blob/main/${path}`,
        repository,
        score: 1,
      };
    });
}
