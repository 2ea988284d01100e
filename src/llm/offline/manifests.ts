import type { EngineContext } from '../engine.js';
import { toolFor } from './capabilities.js';
import { quote } from './quote.js';
import { readCommits, readFile, readSearchPaths, type CommitInfo, suspectOf } from './tool-data.js';

/** A Kubernetes object a verdict says must change. */
export interface ObjectRef {
  kind: string;
  name: string;
}

export interface Manifest {
  path: string;
  line: number;
  url?: string;
}

const MANIFEST = /\.(ya?ml|json)$/i;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The line (1-based) of the `kind:` of the YAML document that defines the object, or 0. */
export function definitionLine(content: string, ref: ObjectRef): number {
  const kind = new RegExp(`^kind:\\s*["']?${escape(ref.kind)}["']?\\s*$`, 'm');
  const name = new RegExp(`^\\s{2,4}name:\\s*["']?${escape(ref.name)}["']?\\s*(#.*)?$`, 'm');
  let offset = 0;
  for (const doc of content.split(/^---\s*$/m)) {
    if (kind.test(doc) && name.test(doc)) {
      const at = doc.search(kind);
      return content.slice(0, offset + at).split('\n').length;
    }
    offset += doc.length + 3;
  }
  return 0;
}

/** The repository manifest that defines a Kubernetes object, found by its name and checked by its kind. */
export async function manifestOf(ctx: EngineContext, ref: ObjectRef): Promise<Manifest | null> {
  const names = ctx.tools.toolNames();
  const search = toolFor('searchCode', names);
  const fileTool = toolFor('fileContents', names);
  if (!search || !fileTool) return null;
  const found = await ctx.tools.call(search, { query: ref.name });
  const hits = found.ok ? readSearchPaths(found.structured).filter((h) => MANIFEST.test(h.path)) : [];
  for (const hit of hits.slice(0, 6)) {
    const file = await ctx.tools.call(fileTool, { path: hit.path });
    const content = file.ok ? readFile(file.structured) : null;
    const line = content ? definitionLine(content.content, ref) : 0;
    if (line)
      return {
        path: hit.path,
        line: line + (content?.startLine ?? 1) - 1,
        ...(hit.url ? { url: hit.url } : {}),
      };
  }
  return null;
}

/**
 * Name the manifests of the objects to change as suspect files (first), and the commit that last
 * changed each when it is recent and not yet a suspect: where the fix goes, and who touched it.
 */
export async function noteManifests(ctx: EngineContext, refs: readonly ObjectRef[]): Promise<void> {
  const list = toolFor('listCommits', ctx.tools.toolNames());
  const since = ctx.now.getTime() - 14 * 24 * 3600_000;
  for (const ref of refs.slice(0, 2)) {
    const manifest = await manifestOf(ctx, ref);
    if (!manifest) continue;
    // An entry for the same file found earlier points at the changed line: keep it, first.
    const earlier = ctx.casebook.suspectFiles.find((f) => f.path === manifest.path);
    const files = ctx.casebook.suspectFiles.filter((f) => f.path !== manifest.path);
    const entry = earlier ?? {
      path: manifest.path,
      line: manifest.line,
      ...(manifest.url ? { url: `${manifest.url}#L${manifest.line}` } : {}),
    };
    ctx.casebook.suspectFiles.splice(0, ctx.casebook.suspectFiles.length, entry, ...files);
    if (earlier) continue;
    const history = list ? await ctx.tools.call(list, { path: manifest.path, limit: 1 }) : null;
    const commit: CommitInfo | undefined = history?.ok ? readCommits(history.structured)[0] : undefined;
    const known = commit && ctx.casebook.suspectCommits.some((c) => c.sha === commit.sha);
    // With the culprit commit found by its lines, a later commit to the same file is no suspect.
    const recent =
      commit && Date.parse(commit.date ?? '') >= since && (known || ctx.casebook.suspectCommits.length === 0);
    ctx.casebook.evidence.push({
      source: 'github',
      detail: `${ref.kind} ${ref.name} is defined in ${manifest.path} (line ${manifest.line})${
        commit && recent
          ? `, last changed by ${commit.sha.slice(0, 7)} "${quote((commit.message ?? '').split('\n')[0] ?? '', 100)}" (${commit.author ?? 'unknown'}, ${commit.date ?? ''})`
          : ''
      }`,
      ref: `${manifest.path}:${manifest.line}`,
    });
    if (commit && recent && !known) ctx.casebook.suspectCommits.push(suspectOf(commit));
  }
}
