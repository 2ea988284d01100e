import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { readCommits, readFile, readSearchPaths, type CommitInfo, suspectOf } from '../tool-data.js';
import { quote } from '../quote.js';
import { changedLines, culpritLines, errorTokens, type CulpritHit } from './culprit-lines.js';
import { addedLineAt, baseName, CONFIG_FILE, filesCitedIn } from './cited-files.js';
import { DATA_FILE } from './signals.js';

export { changedLines, culpritLines, errorTokens, valueTokens, type CulpritHit } from './culprit-lines.js';

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
  /** The file whose changed line holds the culprit value (any kind of file): the suspect file. */
  culpritFile?: string;
}

function firstLine(message: string | undefined): string {
  return (message ?? '').split('\n')[0]?.trim() ?? '';
}

export interface CommitDetail extends CommitInfo {
  files: { path: string; patch: string }[];
}

export function readCommitDetail(
  data: Record<string, unknown> | undefined,
  fallback: CommitInfo,
): CommitDetail {
  const d = data ?? {};
  const files = Array.isArray(d.files) ? d.files : [];
  return {
    ...fallback,
    // The listing gives a message's subject; the commit itself, its body too (what a bump brought in).
    ...(typeof d.message === 'string' && d.message.startsWith(fallback.message ?? '')
      ? { message: d.message }
      : {}),
    files: files.map((f) => {
      const o = (f && typeof f === 'object' ? f : {}) as Record<string, unknown>;
      const path = typeof o.path === 'string' ? o.path : typeof o.filename === 'string' ? o.filename : '';
      return { path, patch: typeof o.patch === 'string' ? o.patch : '' };
    }),
  };
}

/**
 * The repository's recent commits, newest first, with their files and patches: the last `days`
 * days, `list` of them listed, the first `read` of those that `keep` accepts read in full.
 */
export async function recentCommitDetails(
  ctx: EngineContext,
  options: { days?: number; list?: number; read?: number; keep?: (c: CommitInfo) => boolean } = {},
): Promise<CommitDetail[]> {
  const { days = 14, list: listed = 12, read = listed, keep = () => true } = options;
  const names = ctx.tools.toolNames();
  const list = toolFor('listCommits', names);
  const getCommit = toolFor('getCommit', names);
  if (!list || !getCommit) return [];
  const since = new Date(ctx.now.getTime() - days * 24 * 3600_000).toISOString();
  const answer = await ctx.tools.call(list, { since, limit: listed });
  const commits = (answer.ok ? readCommits(answer.structured) : []).filter(keep).slice(0, read);
  const details = await Promise.all(
    commits.map(async (c) => {
      const o = await ctx.tools.call(getCommit, { sha: c.sha });
      return o.ok ? readCommitDetail(o.structured, c) : null;
    }),
  );
  return details.filter((d): d is CommitDetail => d !== null);
}

/**
 * The value a change replaced with `current`: in the patch, the `+` line of `key` that holds
 * `current`, and the nearest `-` line of the same key above it in its hunk (`- memory: 450Mi` …
 * `+ memory: 128Mi` → `450Mi`).
 */
export function previousValue(
  change: Pick<ChangeLink, 'lines' | 'patch'>,
  current: string,
  key: RegExp,
): string | undefined {
  const lines = (change.patch ?? change.lines.join('\n')).split('\n');
  const value = (line: string) =>
    line
      .slice(1)
      .split(':')
      .slice(1)
      .join(':')
      .trim()
      .replace(/^["']|["']$/g, '');
  for (let i = 0; i < lines.length; i++) {
    const added = lines[i] ?? '';
    if (!added.startsWith('+') || !key.test(added) || value(added) !== current) continue;
    for (let j = i - 1; j >= 0 && !(lines[j] ?? '').startsWith('@@'); j--) {
      const removed = lines[j] ?? '';
      if (removed.startsWith('-') && key.test(removed)) return value(removed) || undefined;
    }
  }
  return undefined;
}

/** `+ throw new X(...)`: a diff line with its sign, indentation dropped, cut to size. */
export function showLine(line: string, max = 120): string {
  return `${line[0] ?? ''} ${quote(line.slice(1).trim(), max)}`;
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
      const named = culpritLines(f.patch, values);
      // A file named after the value (`migrations/0042_add_currency.sql`) is the change that brought it.
      // Only with content it added, though: a commit whose diff is unseen or adds nothing (a restart
      // annotation, a version pin) ranks below one that wrote lines into such a file.
      const byPath = values.some((v) => v.length >= 6 && f.path.includes(v));
      const added = f.patch
        .split('\n')
        .filter((l) => /^\+(?!\+\+)\s*\S/.test(l))
        .slice(0, 2);
      const hit: CulpritHit =
        byPath && named.score < 8
          ? { score: added.length ? 8 : Math.max(named.score, 5), lines: added }
          : named;
      // Adding and removing the value both count as the last change to it: the newest wins.
      const rank = (n: number) => (n >= 8 ? 2 : n >= 5 ? 1 : 0);
      // Within one commit, the file whose lines hold the most specific value (the index's own
      // name over a column name) is where the culprit was written.
      const current = best as { score: number; detail: CommitDetail; hit: CulpritHit } | null;
      const moreSpecific =
        current?.detail === detail &&
        rank(hit.score) === rank(current.score) &&
        specificity(hit.lines, values) > specificity(current.hit.lines, values);
      if (rank(hit.score) > 0 && (!current || rank(hit.score) > rank(current.score) || moreSpecific))
        best = { score: hit.score, detail, path: f.path, hit, patch: f.patch };
    }
  }
  if (!best) return null;
  const { detail, path, hit } = best;
  // The verb follows the lines quoted: a file matched by its path quotes the lines it added.
  const quoted = hit.lines.filter((l) => /^[+-]/.test(l));
  const verb =
    quoted.length && quoted.every((l) => l.startsWith('+'))
      ? 'added'
      : quoted.length && quoted.every((l) => l.startsWith('-'))
        ? 'removed'
        : quoted.length
          ? 'changed'
          : best.score === 12
            ? 'added'
            : best.score === 8
              ? 'removed'
              : 'changed';
  return {
    score: 20 + best.score,
    link: {
      commit: detail,
      files: detail.files.map((f) => f.path),
      lines: hit.lines,
      patch: best.patch,
      ...(DATA_FILE.test(path) ? { dataFile: path } : {}),
      culpritFile: path,
      note: `Commit ${detail.sha.slice(0, 7)} "${firstLine(detail.message)}" (${detail.author ?? 'unknown'}, ${detail.date ?? ''}) ${
        hit.lines.length
          ? `${verb} ${hit.lines.length > 1 ? 'these lines' : 'this line'} in ${path}: ${hit.lines.map((l) => `\`${showLine(l)}\``).join(', ')}.`
          : `changed ${path} (its diff is not shown).`
      }`,
    },
  };
}

/** The length of the longest value the lines hold: a longer name is a more specific match. */
function specificity(lines: readonly string[], values: readonly string[]): number {
  return Math.max(0, ...values.filter((v) => lines.some((l) => l.includes(v))).map((v) => v.length));
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
  const citedFiles = filesCitedIn(clue.text);
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
        // The error names this file (by its base name, as mounted or copied into the image),
        // often with the line: the change to that line is the link.
        const cited = citedFiles.find((c) => baseName(f.path) === c.name);
        if (cited) {
          score += 4;
          // A configuration file the error names is as much the fault's place as a data file.
          if (DATA_FILE.test(f.path) || CONFIG_FILE.test(f.path)) dataFile ??= f.path;
          const atLine = cited.line !== undefined ? addedLineAt(f.patch, cited.line) : undefined;
          if (atLine && linesWeight < 8) {
            lines = [atLine];
            linesFrom = f.path;
            linesPatch = f.patch;
            linesWeight = 8;
          }
        }
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
  ctx.casebook.suspectCommits.push(suspectOf(commit));
  ctx.casebook.evidence.push({ source: 'github', detail: best.link.note, ref: commit.sha });
  const culpritFile = best.link.culpritFile;
  if (culpritFile && !dataFile && !ctx.casebook.suspectFiles.some((f) => f.path === culpritFile))
    ctx.casebook.suspectFiles.unshift({ path: culpritFile });
  // A file whose changed lines the note quotes is where the fix goes, whatever its type.
  if (best.link.lines.length)
    for (const path of best.link.files.filter((p) => best.link.note.includes(p)).slice(0, 2))
      if (path !== dataFile && !ctx.casebook.suspectFiles.some((f) => f.path === path))
        ctx.casebook.suspectFiles.push({ path });
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
