import type { ToolInvoker } from '../engine.js';
import { toolFor } from './capabilities.js';
import { readFile, readSearchPaths } from './tool-data.js';

/** A stack frame's file located in the repository, with the code around the failing line. */
export interface SourceHit {
  path: string;
  line: number;
  url?: string;
  /** The failing line, trimmed. */
  code: string;
  /** The nearest `if`/`when`/`unless` line above the failing one, when the failure is guarded by a condition. */
  condition?: string;
}

function segments(p: string): string[] {
  return p.replace(/\\/g, '/').split('/').filter(Boolean);
}

/** How many trailing path segments two paths share: `/app/cartstore/X.cs` vs `src/cart/src/cartstore/X.cs` → 2. */
export function sharedSuffix(a: string, b: string): number {
  const x = segments(a).reverse();
  const y = segments(b).reverse();
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i;
}

/** Candidate repository paths for a trace path: search by file name, else strip leading directories. */
async function candidates(tools: ToolInvoker, tracePath: string): Promise<{ path: string; url?: string }[]> {
  const names = tools.toolNames();
  const fileName = segments(tracePath).at(-1) ?? tracePath;
  const search = toolFor('searchCode', names);
  if (search) {
    const outcome = await tools.call(search, { query: `filename:${fileName}` });
    const hits = outcome.ok
      ? readSearchPaths(outcome.structured).filter((h) => segments(h.path).at(-1) === fileName)
      : [];
    if (hits.length) {
      return hits.sort(
        (a, b) =>
          sharedSuffix(b.path, tracePath) - sharedSuffix(a.path, tracePath) || a.path.length - b.path.length,
      );
    }
  }
  const parts = segments(tracePath);
  return parts.map((_, i) => ({ path: parts.slice(i).join('/') }));
}

const CONDITION = /^\s*(?:\}?\s*else\s+)?(?:if|elif|unless|when|guard|case)\b|^\s*(?:if|when)\s*\(/;

/** Find the trace's file in the repository and read the failing line with a little context. */
export async function lookUpSource(
  tools: ToolInvoker,
  tracePath: string,
  line: number,
): Promise<SourceHit | null> {
  const fileTool = toolFor('fileContents', tools.toolNames());
  if (!fileTool) return null;
  const window = 8;
  for (const candidate of (await candidates(tools, tracePath)).slice(0, 4)) {
    const outcome = await tools.call(fileTool, {
      path: candidate.path,
      startLine: Math.max(1, line - window),
      endLine: line + 2,
    });
    const file = outcome.ok ? readFile(outcome.structured) : null;
    if (!file) continue;
    const lines = file.content.split('\n');
    const index = line - file.startLine;
    const code = lines[index]?.trim();
    if (code === undefined) continue;
    let condition: string | undefined;
    for (let i = index; i >= 0 && i >= index - 4; i--) {
      const text = lines[i] ?? '';
      if (CONDITION.test(text)) {
        condition = text.trim();
        break;
      }
    }
    return { path: file.path || candidate.path, line, url: file.url ?? candidate.url, code, condition };
  }
  return null;
}
