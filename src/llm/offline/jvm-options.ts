/**
 * Where a JVM's heap size comes from: the pod's spec (the JVM option variables, the command), the
 * JVM's own start line (`Picked up JAVA_TOOL_OPTIONS: …`), or the image it runs (the Dockerfile's
 * ENV, ENTRYPOINT and CMD, and the start script the entrypoint runs), and the commit that wrote it.
 */
import type { EngineContext } from '../engine.js';
import { readObject } from './cluster-read.js';
import { toolFor } from './capabilities.js';
import { at, list, str, strings } from './k8s-object.js';
import { readFile } from './tool-data.js';
import {
  currentImageBuildFiles,
  findBuildChange,
  IMAGE_BUILD_FILE,
  noteBuildChange,
  type BuildChange,
} from './rules/image-build.js';
import { recentCommitDetails } from './rules/recent-change.js';

/** The variables the JVM (and the usual launch scripts) take flags from. */
const FLAG_VARS = /^(JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|JAVA_OPTS|JVM_OPTS|CATALINA_OPTS)$/;
const FLAG_VAR_IN_TEXT =
  /\b(JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|JAVA_OPTS|JVM_OPTS|CATALINA_OPTS)\b/;
/** The JVM prints the flag variables it read at start: `Picked up JAVA_TOOL_OPTIONS: -Xmx256m`. */
const PICKED_UP = /Picked up (JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS): (.*)/;
const XMX = /-Xmx(\d+[kKmMgG]?)\b/;
const XMS = /-Xms(\d+[kKmMgG]?)\b/;
const HEAP_SHARE = /-XX:MaxRAMPercentage=([\d.]+)/;
/** A line that sizes the heap, in any file: the flags themselves. */
const HEAP_FLAG = /-Xm[xs]\d|-XX:(?:Max|Initial|Min)RAMPercentage=/;

export interface HeapSetting {
  /** `-Xmx256m` or `-XX:MaxRAMPercentage=90.0`. */
  flag: string;
  /** The ceiling in bytes, for -Xmx. */
  bytes?: number;
  /** MaxRAMPercentage: the share of the container's memory the heap may take. */
  percent?: number;
  /** The initial heap (-Xms) in bytes, when set: committed as the heap grows, never given back. */
  initialBytes?: number;
  /** Where it was set: `JAVA_TOOL_OPTIONS`, `the container command`, `JAVA_OPTS in Dockerfile`. */
  source?: string;
  /** The repository file that sets it (a Dockerfile, a start script), when read from there. */
  file?: string;
  /** The line of that file. */
  line?: string;
}

/** `256m` → bytes, as the JVM reads -Xmx (no suffix is bytes). */
export function jvmBytes(size: string): number {
  const n = Number.parseInt(size, 10);
  const unit = size.slice(-1).toLowerCase();
  return n * (unit === 'k' ? 2 ** 10 : unit === 'm' ? 2 ** 20 : unit === 'g' ? 2 ** 30 : 1);
}

/** The heap flags in a line of options, or null when it sizes no heap. */
export function heapFromFlags(text: string, source: string): HeapSetting | null {
  const xms = text.match(XMS)?.[1];
  const initial = xms ? { initialBytes: jvmBytes(xms) } : {};
  const xmx = text.match(XMX)?.[1];
  if (xmx) return { flag: `-Xmx${xmx}`, bytes: jvmBytes(xmx), ...initial, source };
  const share = text.match(HEAP_SHARE)?.[1];
  if (share) return { flag: `-XX:MaxRAMPercentage=${share}`, percent: Number(share), ...initial, source };
  return null;
}

/**
 * The heap ceiling from the pod's spec (env, command, args), else from the JVM's start line, else
 * from the image build. A flag the JVM picked up from a variable the pod does not set came from the
 * image: the image build file that sets it is named.
 */
export async function heapSetting(
  ctx: EngineContext,
  pod: string,
  container: string,
  namespace: string,
  logText: string,
): Promise<HeapSetting | null> {
  const object = await readObject(ctx, 'Pod', pod, namespace);
  const spec = list(at(object, 'spec', 'containers')).find((c) => str(c.name) === container);
  if (spec) {
    for (const env of list(spec.env)) {
      const name = str(env.name) ?? '';
      const found = FLAG_VARS.test(name) ? heapFromFlags(str(env.value) ?? '', name) : null;
      if (found) return found;
    }
    const line = [...strings(spec.command), ...strings(spec.args)].join(' ');
    const found = heapFromFlags(line, 'the container command');
    if (found) return found;
  }
  const picked = logText.match(PICKED_UP);
  const logged = picked?.[2] ? heapFromFlags(picked[2], picked[1] ?? 'the JVM options') : null;
  const built = await imageHeapSetting(ctx, logged?.flag);
  if (!logged) return built;
  return built ? { ...logged, source: built.source, file: built.file, line: built.line } : logged;
}

/** A Dockerfile's logical lines: continuation backslashes joined. */
function logicalLines(content: string): string[] {
  return content
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Scripts an image runs: ENTRYPOINT/CMD words that a COPY or ADD line brought in, by source path. */
function startScripts(lines: readonly string[]): string[] {
  const run = lines
    .filter((l) => /^(?:ENTRYPOINT|CMD)\b/i.test(l))
    .flatMap((l) => l.match(/[\w./-]+/g) ?? [])
    .map((w) => w.split('/').at(-1) ?? w)
    .filter((w) => /\.(?:sh|bash)$|entrypoint|start|run/i.test(w));
  const scripts: string[] = [];
  for (const l of lines) {
    const words = l.match(/^(?:COPY|ADD)\s+(?:--\S+\s+)*(.+)$/i)?.[1]?.split(/\s+/) ?? [];
    for (const source of words.slice(0, -1))
      if (run.includes(source.split('/').at(-1) ?? '')) scripts.push(source.replace(/^\.\//, ''));
  }
  return [...new Set(scripts)];
}

/** The heap flags a file sets: an ENV of a JVM option variable, a java command line. */
function heapInFile(content: string, file: string, flag?: string): HeapSetting | null {
  const dockerfile = IMAGE_BUILD_FILE.test(file);
  for (const line of dockerfile ? logicalLines(content) : content.split('\n')) {
    if (!HEAP_FLAG.test(line) || (flag && !line.includes(flag))) continue;
    if (dockerfile && !/^(?:ENV|ENTRYPOINT|CMD|ARG)\b/i.test(line)) continue;
    const variable = line.match(FLAG_VAR_IN_TEXT)?.[1];
    const where = variable
      ? `${variable} in ${file}`
      : dockerfile
        ? `the ${line.split(/\s/)[0]?.toUpperCase()} of ${file}`
        : file;
    const found = heapFromFlags(line, where);
    if (found) return { ...found, file, line: line.trim() };
  }
  return null;
}

/**
 * The heap flags the image sets: the repository's Dockerfile and the start script its entrypoint
 * runs. With `flag`, only a line that holds it (to find where a flag the JVM reported comes from).
 */
export async function imageHeapSetting(ctx: EngineContext, flag?: string): Promise<HeapSetting | null> {
  const builds = await currentImageBuildFiles(ctx, []);
  const fileTool = toolFor('fileContents', ctx.tools.toolNames());
  for (const [path, content] of builds) {
    const found = heapInFile(content, path, flag);
    if (found) return found;
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
    for (const script of fileTool ? startScripts(logicalLines(content)).slice(0, 2) : []) {
      for (const candidate of [...new Set([script, `${dir}${script}`])]) {
        const file = await ctx.tools.call(fileTool as string, { path: candidate });
        const text = file.ok ? readFile(file.structured)?.content : undefined;
        const inScript = text ? heapInFile(text, candidate, flag) : null;
        if (inScript) return inScript;
        if (text) break;
      }
    }
  }
  return null;
}

/**
 * The recent commit that wrote the heap flag: a `+` line holding it, in the file that sets it now
 * first, then in an image build file, then anywhere. Recorded as the prime suspect when found.
 */
export async function heapChange(ctx: EngineContext, heap: HeapSetting): Promise<BuildChange | null> {
  const commits = await recentCommitDetails(ctx, { days: 30 });
  const change = findBuildChange(commits, (file, changed) => {
    const added = changed.find((l) => l.startsWith('+') && l.includes(heap.flag));
    if (!added) return null;
    const removed = changed.find((l) => l.startsWith('-') && (HEAP_FLAG.test(l) || FLAG_VAR_IN_TEXT.test(l)));
    const weight = file === heap.file ? 5 : IMAGE_BUILD_FILE.test(file) ? 4 : 3;
    return { lines: removed ? [removed, added] : [added], weight };
  });
  if (change) noteBuildChange(ctx, change);
  return change;
}
