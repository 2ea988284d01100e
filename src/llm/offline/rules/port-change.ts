import type { EngineContext } from '../../engine.js';
import { suspectOf } from '../tool-data.js';
import { IMAGE_BUILD_FILE } from './image-build.js';
import { recentCommitDetails, showLine, type CommitDetail } from './recent-change.js';

export interface PortChange {
  commit: CommitDetail;
  path: string;
  lines: string[];
  note: string;
}

/**
 * The recent change behind a server that now listens on `port`: a commit whose added lines set
 * that port (`EXPOSE 8080`, `PORT=8080`, `server.port: 8080`); else one that changed the base
 * image's FROM line, since a runtime's new major version can change its default port (ASP.NET Core
 * 8 moved from 80 to 8080, unprivileged nginx images listen on 8080).
 */
export async function portChange(ctx: EngineContext, port: string): Promise<PortChange | null> {
  const commits = await recentCommitDetails(ctx);
  const sets = new RegExp(`^\\+(?!\\+\\+).*\\b${port}\\b`);
  for (const commit of commits)
    for (const file of commit.files) {
      const lines = file.patch
        .split('\n')
        .filter((l) => sets.test(l) && /port|expose|listen|url|bind|addr/i.test(l));
      if (lines.length) return link(commit, file.path, lines.slice(0, 3), `set port ${port}`);
    }
  for (const commit of commits)
    for (const file of commit.files.filter((f) => IMAGE_BUILD_FILE.test(f.path))) {
      const lines = file.patch.split('\n').filter((l) => /^[+-]\s*FROM\s/i.test(l));
      if (lines.some((l) => l.startsWith('+')))
        return link(commit, file.path, lines.slice(0, 4), 'changed the base image');
    }
  return null;
}

function link(commit: CommitDetail, path: string, lines: string[], what: string): PortChange {
  const subject = (commit.message ?? '').split('\n')[0] ?? '';
  return {
    commit,
    path,
    lines,
    note: `Commit ${commit.sha.slice(0, 7)} "${subject}" (${commit.author ?? 'unknown'}, ${commit.date ?? ''}) ${what} in ${path}: ${lines.map((l) => `\`${showLine(l)}\``).join(', ')}.`,
  };
}

/** Record the change as the prime suspect, its file first. */
export function notePortChange(ctx: EngineContext, change: PortChange): void {
  const { suspectCommits, suspectFiles, evidence } = ctx.casebook;
  if (!suspectCommits.some((c) => c.sha === change.commit.sha))
    suspectCommits.unshift(suspectOf(change.commit));
  if (!suspectFiles.some((f) => f.path === change.path)) suspectFiles.unshift({ path: change.path });
  evidence.push({ source: 'github', detail: change.note, ref: change.commit.sha });
}
