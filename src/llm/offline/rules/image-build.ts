/**
 * Reading how a container image is built: its Dockerfile's stages and the recent commits that
 * changed what the running process gets from the image (the base image, system packages, the CA
 * bundle, the language runtime) rather than from the application's code.
 */
import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { readFile, readSearchPaths, suspectOf } from '../tool-data.js';
import type { CommitDetail } from './recent-change.js';
import { showLine } from './recent-change.js';

/** Files that build a container image: the base image and the system libraries come from here. */
export const IMAGE_BUILD_FILE =
  /(?:^|\/)(?:Dockerfile|Containerfile)(?:\.[\w.-]+)?$|\.(?:dockerfile|containerfile)$/i;

/** Stage names of a multi-stage build that compile rather than run. */
const BUILD_STAGE = /^(?:build|builder|compile|deps|dependencies|base-build|sdk|toolchain|assets)\b/i;

export interface FromLine {
  image: string;
  stage?: string;
}

/** `FROM --platform=$X python:3.12-slim AS base` → `{ image: 'python:3.12-slim', stage: 'base' }`. */
export function fromLine(line: string): FromLine | undefined {
  const m = line.match(/^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i);
  if (!m?.[1]) return undefined;
  return { image: m[1], ...(m[2] ? { stage: m[2] } : {}) };
}

/** The image the last stage starts from: the one the container runs on. */
export function runtimeImageOf(dockerfile: string): string | undefined {
  return dockerfile
    .split('\n')
    .map((l) => fromLine(l))
    .filter((f): f is FromLine => f !== undefined)
    .at(-1)?.image;
}

/**
 * Whether a FROM line of a diff starts the stage that runs: the current file's last FROM when the
 * file could be read, else a stage without a name or with a name that does not say "build".
 */
export function isRuntimeStage(from: FromLine, currentRuntime?: string): boolean {
  if (currentRuntime) return from.image === currentRuntime;
  return !from.stage || !BUILD_STAGE.test(from.stage);
}

/** The `+`/`-` lines of a patch, without the file headers. */
export function changedLinesOf(patch: string): string[] {
  return patch.split('\n').filter((l) => /^[+-](?![+-]{2})/.test(l));
}

/** A commit's change to one file that bears on a failure, with the lines that show it. */
export interface BuildChange {
  commit: CommitDetail;
  file: string;
  lines: string[];
  /** How strongly the lines tie the change to the failure; higher wins, then the newer commit. */
  weight: number;
}

/**
 * The recent change that best explains a failure of the image's runtime environment: `judge` reads
 * each changed file's `+`/`-` lines and says which matter and how much. Commits come newest first.
 */
export function findBuildChange(
  commits: readonly CommitDetail[],
  judge: (file: string, changed: string[]) => { lines: string[]; weight: number } | null,
): BuildChange | null {
  let best: BuildChange | null = null;
  for (const commit of commits)
    for (const f of commit.files) {
      const verdict = judge(f.path, changedLinesOf(f.patch));
      if (verdict && verdict.weight > 0 && (!best || verdict.weight > best.weight))
        best = { commit, file: f.path, lines: verdict.lines.slice(0, 4), weight: verdict.weight };
    }
  return best;
}

/** The current content of the repository's Dockerfile(s) by path, as far as they can be read. */
export async function currentImageBuildFiles(
  ctx: EngineContext,
  paths: readonly string[],
): Promise<Map<string, string>> {
  const names = ctx.tools.toolNames();
  const fileTool = toolFor('fileContents', names);
  const search = toolFor('searchCode', names);
  const found = new Map<string, string>();
  if (!fileTool) return found;
  let wanted = paths.filter((p) => IMAGE_BUILD_FILE.test(p));
  if (!wanted.length && search) {
    const hits = await ctx.tools.call(search, { query: 'filename:Dockerfile' });
    wanted = (hits.ok ? readSearchPaths(hits.structured) : [])
      .map((h) => h.path)
      .filter((p) => IMAGE_BUILD_FILE.test(p));
  }
  for (const path of [...new Set(wanted)].slice(0, 2)) {
    const file = await ctx.tools.call(fileTool, { path });
    const content = file.ok ? readFile(file.structured) : null;
    if (content) found.set(path, content.content);
  }
  return found;
}

function firstLine(message: string | undefined): string {
  return (message ?? '').split('\n')[0]?.trim() ?? '';
}

/** The change as a sentence quoting its lines: `Commit abc1234 "msg" (who, when) changed Dockerfile: …`. */
export function describeBuildChange(change: BuildChange): string {
  const { commit } = change;
  const quoted = change.lines.length
    ? `: ${change.lines.map((l) => `\`${showLine(l)}\``).join(', ')}`
    : ' (its diff is not shown)';
  return `Commit ${commit.sha.slice(0, 7)} "${firstLine(commit.message)}" (${commit.author ?? 'unknown'}, ${commit.date ?? ''}) changed ${change.file}${quoted}.`;
}

/** Record the change as the prime suspect: its commit and file first, its lines as evidence. */
export function noteBuildChange(ctx: EngineContext, change: BuildChange): string {
  const { suspectCommits, suspectFiles, evidence } = ctx.casebook;
  const known = suspectCommits.findIndex((c) => c.sha === change.commit.sha);
  if (known >= 0) suspectCommits.splice(known, 1);
  suspectCommits.unshift(suspectOf(change.commit));
  const file = suspectFiles.findIndex((f) => f.path === change.file);
  if (file >= 0) suspectFiles.splice(file, 1);
  suspectFiles.unshift({ path: change.file });
  const note = describeBuildChange(change);
  evidence.push({ source: 'github', detail: note, ref: change.commit.sha });
  return note;
}
