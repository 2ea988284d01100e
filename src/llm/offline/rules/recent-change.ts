import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { readCommits, readFile, readSearchPaths, type CommitInfo } from '../tool-data.js';
import { quote } from '../quote.js';
import { DATA_FILE } from './signals.js';

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

/**
 * The changed lines (+/-) of a patch that matter: those that hold the failing code or its guard
 * (`focus`) first, then those that mention what the error names (`tokens`); a removed line comes
 * with the line that replaced it. In patch order, at most four.
 */
export function changedLines(
  patch: string,
  tokens: readonly string[],
  focus: readonly string[] = [],
): string[] {
  const lines = patch.split('\n');
  const changed = (i: number) => /^[+-](?![+-]{2})/.test(lines[i] ?? '');
  const wanted = focus.map((f) => f.trim()).filter((f) => f.length >= 4);
  const scored: { i: number; score: number }[] = [];
  lines.forEach((line, i) => {
    if (!changed(i)) return;
    const body = line.slice(1).trim();
    if (!body) return;
    let score = 0;
    if (wanted.some((f) => body.includes(f) || (body.length >= 10 && f.includes(body)))) score += 10;
    // A comment explains a change; it is not the change.
    else if (/^(#|\/\/|\/\*|\*|--)/.test(body)) return;
    if (tokens.some((t) => line.includes(t))) score += 3;
    // An added throw is the change that starts rejecting requests.
    if (score > 0 && line.startsWith('+') && /\b(throw|raise|panic|abort|reject)\b/.test(body)) score += 2;
    if (score > 0) scored.push({ i, score });
  });
  const best = Math.max(0, ...scored.map((x) => x.score));
  const picked = new Set<number>();
  for (const { i } of scored
    .filter((x) => x.score * 2 >= best)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, 3)) {
    picked.add(i);
    // A removed line and the added line that replaced it read as one change (old value → new value);
    // a comment between them is skipped.
    const step = lines[i]?.startsWith('-') ? 1 : -1;
    let j = i + step;
    while (lines[j]?.startsWith('+') && /^[+-]\s*(#|\/\/)/.test(lines[j] ?? '')) j += step;
    if (step === 1 ? lines[j]?.startsWith('+') : lines[j]?.startsWith('-')) if (changed(j)) picked.add(j);
  }
  return [...picked]
    .sort((a, b) => a - b)
    .slice(0, 4)
    .map((i) => lines[i] as string);
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

/** Whether a diff line's text holds a culprit value: a bare number only as a whole number (`8081`, not `18081`). */
function holds(text: string, value: string): boolean {
  if (/^\d+$/.test(value)) return new RegExp(`(?<![\\w.])${value}(?![\\w])`).test(text);
  return text.includes(value);
}

/** How a patch points at a culprit value: the lines that carry it and how directly. */
export interface CulpritHit {
  /** 12: a line added with the value; 8: a line removed with it; 5: a change in the value's own block. */
  score: number;
  lines: string[];
}

/**
 * Where a patch touched the values a Kubernetes cause names (a class name, a probe port, a role, a
 * `suspend: true`): an added line holding one is the change that introduced it; a removed one, the
 * change that took it away; a change a few lines from one (same hunk), a change to its block — a
 * verb dropped from the rule of the named resource.
 */
export function culpritLines(patch: string, values: readonly string[]): CulpritHit {
  const wanted = values.map((v) => v.trim()).filter((v) => v.length >= 2);
  const lines = patch.split('\n');
  const changed = (l: string) => /^[+-](?![+-]{2})/.test(l) && l.slice(1).trim() !== '';
  const comment = (l: string) => /^(#|\/\/|\/\*|\*|--)/.test(l.slice(1).trim());
  const hit = (l: string) => wanted.some((v) => holds(l.slice(1), v));
  let score = 0;
  const found: { i: number; score: number }[] = [];
  let hunkStart = 0;
  lines.forEach((line, i) => {
    if (line.startsWith('@@')) hunkStart = i;
    if (!changed(line) || comment(line)) return;
    let s = 0;
    if (hit(line)) s = line.startsWith('+') ? 12 : 8;
    else {
      for (let j = Math.max(hunkStart, i - 4); j <= i + 4 && j < lines.length; j++) {
        if (j !== i && !(lines[j] ?? '').startsWith('@@') && hit(lines[j] ?? '')) s = 5;
        if (j > i && (lines[j] ?? '').startsWith('@@')) break;
      }
    }
    if (!s) return;
    score = Math.max(score, s);
    found.push({ i, score: s });
  });
  const picked = new Set(
    found
      .filter((f) => f.score === score)
      .slice(0, 2)
      .map((f) => f.i),
  );
  // An added value reads best beside the value it replaced.
  for (const i of [...picked]) {
    const step = lines[i]?.startsWith('+') ? -1 : 1;
    let j = i + step;
    // A comment added with the value sits between the two.
    while ((lines[j] ?? '').startsWith('+') && comment(lines[j] ?? '')) j += step;
    const other = lines[j] ?? '';
    if (other.startsWith(step === -1 ? '-' : '+') && changed(other) && !comment(other)) picked.add(j);
  }
  return {
    score,
    lines: [...picked]
      .sort((a, b) => a - b)
      .slice(0, 4)
      .map((i) => lines[i] as string),
  };
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
      const byPath = values.some((v) => v.length >= 6 && f.path.includes(v));
      const hit: CulpritHit =
        byPath && named.score < 8
          ? {
              score: 8,
              lines: f.patch
                .split('\n')
                .filter((l) => /^\+(?!\+\+)\s*\S/.test(l))
                .slice(0, 2),
            }
          : named;
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
      culpritFile: path,
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
  const culpritFile = best.link.culpritFile;
  if (culpritFile && !dataFile && !ctx.casebook.suspectFiles.some((f) => f.path === culpritFile))
    ctx.casebook.suspectFiles.unshift({ path: culpritFile });
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
