import type { EngineContext } from '../engine.js';
import { toolFor } from './capabilities.js';
import { readFile, readSearchPaths } from './tool-data.js';

/** A node group's maximum as infrastructure code writes it: Terraform, eksctl, CloudFormation, Pulumi, Karpenter. */
const MAX_SIZE =
  /\b(max_?size|maxSize|max_count|maxCount|max_node_count|maxNodeCount|MaxSize|max_nodes|maxNodes)\b\s*[:=]/;

const WINDOW = 40;

export interface NodeGroupLimit {
  path: string;
  line: number;
  text: string;
  url?: string;
}

/**
 * The line of the repository that sets a node group's maximum size: a file naming the group, and
 * the first max-size setting after the name (the group's own block), or null when none is found.
 */
export async function nodeGroupLimit(ctx: EngineContext, group: string): Promise<NodeGroupLimit | null> {
  const names = ctx.tools.toolNames();
  const search = toolFor('searchCode', names);
  const fileTool = toolFor('fileContents', names);
  if (!search || !fileTool || group.length < 3) return null;
  const found = await ctx.tools.call(search, { query: group });
  const hits = found.ok ? readSearchPaths(found.structured) : [];
  for (const hit of hits.slice(0, 5)) {
    const file = await ctx.tools.call(fileTool, { path: hit.path });
    const content = file.ok ? readFile(file.structured) : null;
    if (!content) continue;
    const lines = content.content.split('\n');
    const named = lines.findIndex((l) => l.includes(group));
    if (named < 0) continue;
    // The group's own block: a setting far below the name belongs to another group.
    const offset = lines.slice(named, named + WINDOW).findIndex((l) => MAX_SIZE.test(l));
    if (offset < 0) continue;
    const index = named + offset;
    return {
      path: hit.path,
      line: index + content.startLine,
      text: (lines[index] ?? '').trim(),
      ...(hit.url ? { url: hit.url } : {}),
    };
  }
  return null;
}
