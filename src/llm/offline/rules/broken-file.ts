import { parseAllDocuments } from 'yaml';

import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { quote } from '../quote.js';
import { readCommits, readFile, type CommitInfo } from '../tool-data.js';

/** Where a data file stops parsing: the 1-based line and the parser's words. */
export interface SyntaxFault {
  line: number;
  message: string;
}

/** A data file of the repository that no longer parses, and the recent commit that broke it. */
export interface BrokenFile {
  path: string;
  url?: string;
  fault: SyntaxFault;
  /** The file's text at the faulty line. */
  text: string;
  commit: CommitInfo;
  /** The commit's added lines that hold the fault (or the first added lines when none does). */
  added: string[];
}

const PARSEABLE = /\.(json|ya?ml)$/i;

/**
 * The syntax fault of a JSON or YAML file, or null when it parses. Templates (`{{ … }}`) are not
 * data until rendered: never judged.
 */
export function syntaxFault(path: string, content: string): SyntaxFault | null {
  if (/\{\{.*\}\}/.test(content)) return null;
  if (/\.json$/i.test(path)) {
    try {
      JSON.parse(content);
      return null;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const position = Number(message.match(/position (\d+)/)?.[1] ?? NaN);
      const lineFromText = Number(message.match(/line (\d+)/)?.[1] ?? NaN);
      const line = Number.isFinite(lineFromText)
        ? lineFromText
        : Number.isFinite(position)
          ? content.slice(0, position).split('\n').length
          : 1;
      return { line, message: message.split('\n')[0] ?? message };
    }
  }
  for (const doc of parseAllDocuments(content) as unknown as {
    errors: { message: string; linePos?: { line: number }[] }[];
  }[]) {
    const error = doc.errors?.[0];
    if (error) return { line: error.linePos?.[0]?.line ?? 1, message: error.message.split('\n')[0] ?? '' };
  }
  return null;
}

/**
 * A parse error at start with no file the repository matches: the recent commits' data files,
 * read as they are now, and the first that no longer parses. The commit that wrote the faulty line
 * broke it; else the newest that touched the file.
 */
export async function brokenDataFile(ctx: EngineContext): Promise<BrokenFile | null> {
  const names = ctx.tools.toolNames();
  const list = toolFor('listCommits', names);
  const getCommit = toolFor('getCommit', names);
  const fileTool = toolFor('fileContents', names);
  if (!list || !getCommit || !fileTool) return null;
  const since = new Date(ctx.now.getTime() - 14 * 24 * 3600_000).toISOString();
  const listed = await ctx.tools.call(list, { since, limit: 10 });
  const commits = listed.ok ? readCommits(listed.structured).slice(0, 8) : [];
  const details = await Promise.all(
    commits.map(async (c) => {
      const o = await ctx.tools.call(getCommit, { sha: c.sha });
      const files = o.ok && Array.isArray(o.structured?.files) ? (o.structured.files as unknown[]) : [];
      return {
        commit: c,
        files: files.map((f) => {
          const r = (f ?? {}) as Record<string, unknown>;
          return {
            path: String(r.path ?? r.filename ?? ''),
            patch: typeof r.patch === 'string' ? r.patch : '',
          };
        }),
      };
    }),
  );
  const checked = new Set<string>();
  for (const { files } of details) {
    for (const { path } of files) {
      if (!PARSEABLE.test(path) || checked.has(path)) continue;
      checked.add(path);
      const file = await ctx.tools.call(fileTool, { path });
      const content = file.ok ? readFile(file.structured) : null;
      if (!content || content.startLine !== 1) continue;
      const fault = syntaxFault(path, content.content);
      if (!fault) continue;
      const text = (content.content.split('\n')[fault.line - 1] ?? '').trim();
      const touching = details.filter((d) => d.files.some((f) => f.path === path));
      const addedOf = (d: (typeof details)[number]) =>
        (d.files.find((f) => f.path === path)?.patch ?? '')
          .split('\n')
          .filter((l) => l.startsWith('+') && !l.startsWith('+++') && l.slice(1).trim());
      const writer = touching.find((d) => text && addedOf(d).some((l) => l.slice(1).trim() === text));
      const chosen = writer ?? touching[0];
      if (!chosen) continue;
      const added = addedOf(chosen);
      const holding = added.filter((l) => text && l.slice(1).trim() === text);
      return {
        path,
        ...(content.url ? { url: content.url } : {}),
        fault,
        text,
        commit: chosen.commit,
        added: (holding.length ? holding : added)
          .slice(0, 3)
          .map((l) => `+ ${quote(l.slice(1).trim(), 120)}`),
      };
    }
  }
  return null;
}
