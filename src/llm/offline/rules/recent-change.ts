import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { readCommits, readFile, readSearchPaths, type CommitInfo } from '../tool-data.js';
import { quote } from '../quote.js';
import { changedLines, culpritLines, showLine, type CulpritHit } from './diff-lines.js';
import { DATA_FILE } from './signals.js';

export { changedLines, culpritLines, previousValue, showLine, type CulpritHit } from './diff-lines.js';

export interface ChangeLink {
  commit: CommitInfo;
  /** The files the commit touched, when known: only these may be said to be "introduced" by it. */
  files: string[];
  /** The changed lines quoted in the note. */
  lines: string[];
  /** The whole patch of the file those lines come from, when the commit carried one. */
  patch?: string;
  /** One sentence on what the commit changed that matters here. */
  note: string;
  /** A data file (JSON, YAML, CSV…) the commit changed in a way the error points at. */
  dataFile?: string;
}

const COMMON_DIRS = new Set([
  'local',
  'share',
  'config',
  'configs',
  'lib64',
  'static',
  'build',
  'usr',
  'data',
]);
const COMMON = new Set([
  'ERROR',
  'WARN',
  'INFO',
  'HTTP',
  'GRPC',
  'JSON',
  'POST',
  'GET',
  'PUT',
  'NULL',
  'TRUE',
  'FALSE',
  'UTF',
  'API',
  'URL',
  'ID',
  'TCP',
  'UDP',
  'DNS',
]);

/** Values an error message names that a change could have introduced: quoted strings, codes, ids. */
export function errorTokens(text: string): string[] {
  const tokens = new Set<string>();
  for (const m of text.matchAll(/['"`]([^'"`\s]{2,40})['"`]/g)) tokens.add(m[1] as string);
  for (const m of text.matchAll(/\b([A-Z]{3,5})\b/g))
    if (!COMMON.has(m[1] as string)) tokens.add(m[1] as string);
  for (const m of text.matchAll(/\b(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{6,24}\b/g))
    tokens.add(m[0]);
  // Configuration words a manifest change would contain: ENV_NAMES, quantities, image tags.
  for (const m of text.matchAll(/\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b/g)) tokens.add(m[1] as string);
  for (const m of text.matchAll(/\b(\d+(?:\.\d+)?(?:Mi|Gi|Ki|m))\b/g)) tokens.add(m[1] as string);
  for (const m of text.matchAll(/[\w.-]+\/[\w./-]+:([\w][\w.-]{1,60})/g)) {
    tokens.add(`:${m[1] as string}`);
    if (/\d/.test(m[1] as string) && (m[1] as string).length >= 4) tokens.add(m[1] as string);
  }
  // File names an error mentions (`open /etc/catalog/products.json`): a manifest may mount or rename them.
  for (const m of text.matchAll(/\b([\w-]+\.(?:json|ya?ml|conf|cfg|ini|toml|properties|xml|csv|env|pem))\b/g))
    tokens.add(m[1] as string);
  // The directory of a missing file (`/etc/catalog/products.json` → `catalog`): a mount a manifest change may have altered.
  for (const m of text.matchAll(/(?:^|[\s'"(])\/(?:[\w.-]+\/)*([\w-]{5,})\/[\w.-]+\.\w+/g)) {
    if (!COMMON_DIRS.has(m[1] as string)) tokens.add(`${m[1] as string}/`);
  }
  // Host names a config change would carry (`paymentservice.payments.svc.cluster.local`).
  for (const m of text.matchAll(/\b([a-z][a-z0-9-]+(?:\.[a-z0-9-]+){1,5})(?::\d{2,5})?\b/g)) {
    if ((m[1] as string).length >= 12 && !/\.(js|py|go|cs|java|ts|json|ya?ml|log)$/.test(m[1] as string))
      tokens.add(m[1] as string);
  }
  // Addresses a config change points at (`10.91.0.12`), and manifest field names (`activeDeadlineSeconds`).
  for (const m of text.matchAll(/\b(\d{1,3}(?:\.\d{1,3}){3})\b/g)) tokens.add(m[1] as string);
  for (const m of text.matchAll(/\b([a-z]+(?:[A-Z][a-z]+){1,4})\b/g))
    if ((m[1] as string).length >= 8) tokens.add(m[1] as string);
  return [...tokens].slice(0, 24);
}

/**
 * The specific values a failure message names, for finding the line that introduced them: quoted
 * names and identifiers that carry a digit (`0042_add_currency`, `v2-ledger`), not prose.
 */
export function valueTokens(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/['"`]([^'"`\s]{3,60})['"`]/g)) found.add(m[1] as string);
  for (const m of text.matchAll(/(?<![\w.:/-])([A-Za-z0-9][\w.-]{3,60})(?![\w-])/g)) {
    const t = (m[1] as string).replace(/[.]+$/, '');
    // An id mixes letters, digits and separators; a bare number, a time or an address is not one.
    if (/\d/.test(t) && /[A-Za-z]/.test(t) && /[_-]/.test(t) && !/^\d{4}-\d\d-\d\d/.test(t)) found.add(t);
  }
  return [...found].slice(0, 6);
}

function firstLine(message: string | undefined): string {
  return (message ?? '').split('\n')[0]?.trim() ?? '';
}

interface CommitDetail extends CommitInfo {
  files: { path: string; patch: string }[];
}

function readCommitDetail(data: Record<string, unknown> | undefined, fallback: CommitInfo): CommitDetail {
  const d = data ?? {};
  const files = Array.isArray(d.files) ? d.files : [];
  return {
    ...fallback,
    files: files.map((f) => {
      const o = (f && typeof f === 'object' ? f : {}) as Record<string, unknown>;
      const path = typeof o.path === 'string' ? o.path : typeof o.filename === 'string' ? o.filename : '';
      return { path, patch: typeof o.patch === 'string' ? o.patch : '' };
    }),
  };
}

/** Values worth looking up in the repository's manifests: names and quantities, not words. */
function searchableTokens(tokens: readonly string[]): string[] {
  return tokens
    .filter(
      (t) => t.length >= 4 && !/^\d+$/.test(t) && !t.startsWith(':') && !t.endsWith('/') && /[-\d._]/.test(t),
    )
    .slice(0, 4);
}

/**
 * Without a diff that names the value, find the manifest that holds it (a StorageClass name, a
 * selector value, an address) and the recent commit that last changed that file.
 */
async function configFileChange(
  ctx: EngineContext,
  tokens: readonly string[],
  since: string,
): Promise<ChangeLink | null> {
  const names = ctx.tools.toolNames();
  const search = toolFor('searchCode', names);
  const list = toolFor('listCommits', names);
  const fileTool = toolFor('fileContents', names);
  if (!search || !list) return null;
  for (const token of searchableTokens(tokens)) {
    const found = await ctx.tools.call(search, { query: token });
    const hits = found.ok ? readSearchPaths(found.structured).filter((h) => DATA_FILE.test(h.path)) : [];
    for (const hit of hits.slice(0, 2)) {
      const history = await ctx.tools.call(list, { path: hit.path, limit: 3 });
      const commit = history.ok ? readCommits(history.structured)[0] : undefined;
      if (!commit || (commit.date && commit.date < since)) continue;
      const file = fileTool ? await ctx.tools.call(fileTool, { path: hit.path }) : null;
      const content = file?.ok ? readFile(file.structured) : null;
      const lines = content?.content.split('\n') ?? [];
      const at = lines.findIndex((l) => l.includes(token));
      const line =
        at >= 0 ? { number: (content?.startLine ?? 1) + at, text: (lines[at] ?? '').trim() } : undefined;
      if (!ctx.casebook.suspectFiles.some((f) => f.path === hit.path))
        ctx.casebook.suspectFiles.unshift({
          path: hit.path,
          ...(line ? { line: line.number } : {}),
          ...(hit.url ? { url: line ? `${hit.url}#L${line.number}` : hit.url } : {}),
        });
      return {
        commit,
        files: [hit.path],
        dataFile: hit.path,
        lines: line ? [`+${line.text}`] : [],
        note: `${hit.path}${line ? ` (line ${line.number}: \`${quote(line.text, 120)}\`)` : ''} holds ${token}; it was last changed by ${commit.sha.slice(0, 7)} "${firstLine(commit.message)}" (${commit.author ?? 'unknown'}, ${commit.date ?? ''}).`,
      };
    }
  }
  return null;
}

/**
 * The commit that introduced the culprit value: the newest whose diff added or removed a line
 * holding what the cause names (else the newest that changed a line beside one). A later commit to the same file that left
 * that line alone is not the cause, however recent.
 */
function culpritCommit(
  details: readonly (CommitDetail | null)[],
  clue: { files: string[]; focus?: string[] },
): { score: number; link: ChangeLink } | null {
  const values = clue.focus ?? [];
  if (!values.length) return null;
  let best: { score: number; detail: CommitDetail; path: string; hit: CulpritHit; patch: string } | null =
    null;
  for (const detail of details) {
    if (!detail) continue;
    for (const f of detail.files) {
      if (clue.files.length && !clue.files.includes(f.path)) continue;
      const hit = culpritLines(f.patch, values);
      // Adding and removing the value both count as the last change to it: the newest wins.
      const rank = (n: number) => (n >= 8 ? 2 : n >= 5 ? 1 : 0);
      if (rank(hit.score) > 0 && (!best || rank(hit.score) > rank(best.score)))
        best = { score: hit.score, detail, path: f.path, hit, patch: f.patch };
    }
  }
  if (!best) return null;
  const { detail, path, hit } = best;
  const verb = best.score === 12 ? 'added' : best.score === 8 ? 'removed' : 'changed';
  return {
    score: 20 + best.score,
    link: {
      commit: detail,
      files: detail.files.map((f) => f.path),
      lines: hit.lines,
      patch: best.patch,
      ...(DATA_FILE.test(path) ? { dataFile: path } : {}),
      note: `Commit ${detail.sha.slice(0, 7)} "${firstLine(detail.message)}" (${detail.author ?? 'unknown'}, ${detail.date ?? ''}) ${verb} ${hit.lines.length > 1 ? 'these lines' : 'this line'} in ${path}: ${hit.lines.map((l) => `\`${showLine(l)}\``).join(', ')}.`,
    },
  };
}

/**
 * Correlate with the recent change: among the repository's latest commits, the one that touched
 * the suspect file or whose diff mentions what the error names. With only a commit list, the
 * latest commit that touched the suspect file.
 */
export async function correlateChange(
  ctx: EngineContext,
  clue: { text: string; files: string[]; focus?: string[] },
): Promise<ChangeLink | null> {
  const names = ctx.tools.toolNames();
  const list = toolFor('listCommits', names);
  if (!list) return null;
  const tokens = errorTokens(clue.text);
  const getCommit = toolFor('getCommit', names);
  const since = new Date(ctx.now.getTime() - 14 * 24 * 3600_000).toISOString();
  const [recent, byFile] = await Promise.all([
    getCommit ? ctx.tools.call(list, { since, limit: 12 }) : Promise.resolve(null),
    clue.files[0] ? ctx.tools.call(list, { path: clue.files[0], limit: 5 }) : Promise.resolve(null),
  ]);
  const touching = byFile?.ok ? readCommits(byFile.structured) : [];
  const candidates = recent?.ok ? readCommits(recent.structured) : [];
  let best: { score: number; link: ChangeLink } | null = null;
  if (getCommit) {
    const details = await Promise.all(
      candidates.slice(0, 10).map(async (c) => {
        const o = await ctx.tools.call(getCommit, { sha: c.sha });
        return o.ok ? readCommitDetail(o.structured, c) : null;
      }),
    );
    best = culpritCommit(details, clue);
    for (const detail of best ? [] : details) {
      if (!detail) continue;
      let score = 0;
      let dataFile: string | undefined;
      let lines: string[] = [];
      let linesFrom: string | undefined;
      let linesPatch: string | undefined;
      let linesWeight = 0;
      if (detail.files.some((f) => clue.files.includes(f.path))) score += 2;
      for (const f of detail.files) {
        // Focus lines belong to the suspect file; with no file named, to any file of the commit.
        const focus = !clue.files.length || clue.files.includes(f.path) ? (clue.focus ?? []) : [];
        const hit = changedLines(f.patch, tokens, focus);
        if (!hit.length) continue;
        // The commit that wrote the failing line itself is the strongest link there is.
        const weight = hit.some((l) => focus.some((x) => x.trim().length >= 6 && l.includes(x.trim())))
          ? 8
          : 3;
        score += weight;
        if (DATA_FILE.test(f.path)) dataFile ??= f.path;
        if (
          weight > linesWeight ||
          (weight === linesWeight && DATA_FILE.test(f.path) && !DATA_FILE.test(linesFrom ?? ''))
        ) {
          lines = hit;
          linesFrom = f.path;
          linesPatch = f.patch;
          linesWeight = weight;
        }
      }
      if (score === 0 || (best && best.score >= score)) continue;
      const what =
        linesFrom ??
        dataFile ??
        detail.files.find((f) => clue.files.includes(f.path))?.path ??
        detail.files[0]?.path ??
        'the code';
      best = {
        score,
        link: {
          commit: detail,
          files: detail.files.map((f) => f.path),
          lines,
          ...(linesPatch ? { patch: linesPatch } : {}),
          dataFile,
          note: `Commit ${detail.sha.slice(0, 7)} "${firstLine(detail.message)}" (${detail.author ?? 'unknown'}, ${detail.date ?? ''}) changed ${what}${lines.length ? `: ${lines.map((l) => `\`${showLine(l)}\``).join(', ')}` : ''}.`,
        },
      };
    }
  }
  if (!best) {
    const found = await configFileChange(ctx, tokens, since);
    if (found) best = { score: 1, link: found };
  }
  if (!best && touching[0]) {
    const c = touching[0];
    best = {
      score: 1,
      link: {
        commit: c,
        files: clue.files.slice(0, 1),
        lines: [],
        note: `${clue.files[0]} was last changed by ${c.sha.slice(0, 7)} "${firstLine(c.message)}" (${c.author ?? 'unknown'}, ${c.date ?? ''}).`,
      },
    };
  }
  if (!best) return null;
  const { commit, dataFile } = best.link;
  ctx.casebook.suspectCommits.push({
    sha: commit.sha,
    message: commit.message,
    author: commit.author,
    date: commit.date,
  });
  ctx.casebook.evidence.push({ source: 'github', detail: best.link.note, ref: commit.sha });
  if (dataFile) {
    // The file whose diff names what failed leads; the commit's other configuration files follow.
    const siblings =
      'files' in commit
        ? (commit as CommitDetail).files.map((f) => f.path).filter((p) => DATA_FILE.test(p) && p !== dataFile)
        : [];
    for (const path of [...siblings.slice(0, 2).reverse(), dataFile]) {
      if (!ctx.casebook.suspectFiles.some((f) => f.path === path))
        ctx.casebook.suspectFiles.unshift({ path });
    }
  }
  return best.link;
}
