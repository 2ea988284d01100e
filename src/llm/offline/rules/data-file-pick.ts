import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { sharedSuffix } from '../source-lookup.js';
import { readCommits, readFile } from '../tool-data.js';
import { syntaxFault, type SyntaxFault } from './broken-file.js';

/** A repository file that may be the one a container path names. */
export interface DataCandidate {
  path: string;
  url?: string;
}

/** The pick, with the syntax fault it has at HEAD when it no longer parses. */
export interface PickedDataFile extends DataCandidate {
  fault?: SyntaxFault;
}

const MAX_READ = 5;

/**
 * Of several repository files sharing the base name of the path an error names
 * (`config/prod/app.yaml`, `config/staging/app.yaml` for `/etc/app/app.yaml`), the one behind the
 * error: first the one that fails to parse at HEAD, then one a recent commit changed, then the
 * longest shared path suffix. One candidate is taken as it is.
 */
export async function pickDataFile(
  ctx: EngineContext,
  candidates: readonly DataCandidate[],
  mentioned: string,
): Promise<PickedDataFile | undefined> {
  if (candidates.length <= 1) return candidates[0];
  const names = ctx.tools.toolNames();
  const fileTool = toolFor('fileContents', names);
  const list = toolFor('listCommits', names);
  const since = new Date(ctx.now.getTime() - 14 * 24 * 3600_000).toISOString();
  const scored = await Promise.all(
    candidates.slice(0, MAX_READ).map(async (c, order) => {
      const file = fileTool ? await ctx.tools.call(fileTool, { path: c.path }) : null;
      const content = file?.ok ? readFile(file.structured) : null;
      const fault =
        content && content.startLine === 1 ? (syntaxFault(c.path, content.content) ?? undefined) : undefined;
      const history = list ? await ctx.tools.call(list, { path: c.path, since, limit: 1 }) : null;
      const recent = history?.ok ? readCommits(history.structured).length > 0 : false;
      return { c, fault, recent, suffix: sharedSuffix(c.path, mentioned), order };
    }),
  );
  scored.sort(
    (a, b) =>
      Number(Boolean(b.fault)) - Number(Boolean(a.fault)) ||
      Number(b.recent) - Number(a.recent) ||
      b.suffix - a.suffix ||
      a.order - b.order,
  );
  const best = scored[0];
  return best ? { ...best.c, ...(best.fault ? { fault: best.fault } : {}) } : undefined;
}
