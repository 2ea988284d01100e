import { toolFor } from '../capabilities.js';
import { readFile, readSearchPaths } from '../tool-data.js';
import { correlateChange } from './recent-change.js';
import { DATA_FILE, UNREACHABLE } from './signals.js';
import { times, type Rule } from './verdict.js';

const SUSPICIOUS = /:\s*-\d|=\s*-\d|"-\d|\bnull\b|:\s*""|NaN|Infinity/;

/** Identifiers in an error (ids that mix letters and digits) worth looking up in the repository. */
function ids(text: string): string[] {
  return [
    ...new Set(
      [...text.matchAll(/\b(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Z])[A-Za-z0-9]{6,24}\b/g)].map((m) => m[0]),
    ),
  ].slice(0, 3);
}

/**
 * Bad data in a repository file: an error names a record (a product id, a currency, a key); the
 * record lives in a data file of the repository, and its line there shows the bad value.
 */
export const badDataRule: Rule = (ctx, facts) => findBadData(ctx, facts, () => true);

/** The bad-data search, keeping only data files `accept` agrees to (the sweep of callers wants the service's own). */
export async function findBadData(
  ctx: Parameters<Rule>[0],
  facts: Parameters<Rule>[1],
  accept: (path: string) => boolean,
): ReturnType<Rule> {
  const names = ctx.tools.toolNames();
  const search = toolFor('searchCode', names);
  const fileTool = toolFor('fileContents', names);
  if (!search || !fileTool) return null;
  const errors = facts.logs
    // An id in a connection error names the request, not the fault.
    .flatMap((l) =>
      l.analysis.signatures
        .filter((s) => s.kind !== 'warning' && !UNREACHABLE.test(`${s.message} ${s.sample}`))
        .map((s) => ({ s, pod: l.pod })),
    )
    .sort((a, b) => b.s.count - a.s.count)
    .slice(0, 3);
  for (const { s, pod } of errors) {
    for (const id of ids(`${s.message} ${s.sample}`)) {
      const found = await ctx.tools.call(search, { query: id });
      const hits = found.ok
        ? readSearchPaths(found.structured).filter((h) => DATA_FILE.test(h.path) && accept(h.path))
        : [];
      for (const hit of hits.slice(0, 2)) {
        const file = await ctx.tools.call(fileTool, { path: hit.path });
        const content = file.ok ? readFile(file.structured) : null;
        if (!content) continue;
        const lines = content.content.split('\n');
        const at = lines.findIndex((l) => l.includes(id));
        if (at < 0) continue;
        const window = lines.slice(at, at + 12);
        const badOffset = window.findIndex((l, i) => i > 0 && SUSPICIOUS.test(l));
        const badLine = badOffset >= 0 ? at + badOffset : at;
        const lineNumber = content.startLine + badLine;
        const shown = (lines[badLine] ?? '').trim();
        ctx.casebook.evidence.push({
          source: 'logs',
          detail: `${s.sample.slice(0, 240)} (${times(s.count)})`,
          ref: `pod/${pod}`,
        });
        ctx.casebook.evidence.push({
          source: 'github',
          detail: `${id} is defined in ${hit.path}; line ${lineNumber}: ${shown}`,
          ref: `${hit.path}:${lineNumber}`,
        });
        ctx.casebook.suspectFiles.push({
          path: hit.path,
          line: lineNumber,
          url: hit.url ? `${hit.url}#L${lineNumber}` : undefined,
        });
        const change = await correlateChange(ctx, { text: `${s.message} ${id} ${shown}`, files: [hit.path] });
        return {
          status: 'diagnosed',
          summary: `${facts.service} fails on ${id}: its record in ${hit.path} holds bad data (\`${shown.slice(0, 80)}\`), ${times(s.count)} in recent logs.`,
          statement: `The error "${s.message.slice(0, 200)}" names ${id}, whose entry in the data file ${hit.path} has ${badOffset >= 0 ? 'an invalid value' : 'the value'} at line ${lineNumber}: \`${shown}\`.${change ? ` ${change.note}` : ''}`,
          confidence: badOffset >= 0 ? 'high' : 'medium',
          fix: `Correct the entry for ${id} in ${hit.path} (line ${lineNumber})${change ? ` or revert ${change.commit.sha.slice(0, 7)}` : ''}, and validate the data file in CI.`,
        };
      }
    }
  }
  return null;
}
