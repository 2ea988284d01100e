import type { EngineContext } from '../../engine.js';
import {
  describeSignal,
  exitSignal,
  HEAP_EXHAUSTED,
  NATIVE_CRASH_LINE,
  signalOfLine,
  type ExitSignal,
} from '../exit-signals.js';
import type { ServiceFacts } from '../facts.js';
import { quote } from '../quote.js';
import { parseStackFrame, type StackFrame } from '../stack-frames.js';
import {
  findLibraryUpgrade,
  librariesOf,
  noteLibraryUpgrade,
  type LibraryUpgrade,
} from './library-upgrade.js';
import { recentCommitDetails, showLine } from './recent-change.js';
import type { Rule } from './verdict.js';
import { suspectOf } from '../tool-data.js';

/** Files that build the container image: the base image and the system libraries come from here. */
const IMAGE_BUILD_FILE =
  /(?:^|\/)(?:Dockerfile|Containerfile)(?:\.[\w.-]+)?$|\.(?:dockerfile|containerfile)$/i;
/** A line of an image build that installs system packages or native libraries. */
const NATIVE_INSTALL =
  /\b(?:apt-get|apt|apk|yum|dnf|microdnf|zypper)\b.*\b(?:install|add)\b|\blib[\w+.-]+-dev\b|\bLD_LIBRARY_PATH\b|\bLD_PRELOAD\b/;

/** How long a container must have run ready since its last crash for that crash to be history. */
const SETTLED_MS = 2 * 3600_000;
const GO_NIL_PANIC = /panic: runtime error: invalid memory address or nil pointer dereference/;

interface NativeCrash {
  pod: string;
  container: string;
  restarts?: number;
  exitCode?: number;
  signal: ExitSignal;
  /** The line the process printed as it crashed, when it printed one. */
  line?: string;
  frames: StackFrame[];
}

/** `FROM --platform=$X python:3.12-slim AS base` → `python:3.12-slim`. */
function imageOf(line: string): string | undefined {
  const m = line.match(/^\s*FROM\s+(?:--\S+\s+)*(\S+)/i);
  return m?.[1];
}

export interface BaseImageChange {
  commit: { sha: string; message?: string; author?: string; date?: string };
  file: string;
  from?: string;
  to?: string;
  /** The changed lines quoted as evidence. */
  lines: string[];
  /** `base image` or `system packages`: what the change altered beneath the application. */
  what: 'base image' | 'system packages' | 'image build';
}

/**
 * The newest recent commit that changed what a native crash depends on beneath the application:
 * the base image (`FROM` lines of a Dockerfile), else the system packages it installs, else a
 * Dockerfile whose diff is unseen.
 */
export function findBaseImageChange(
  commits: readonly {
    sha: string;
    message?: string;
    author?: string;
    date?: string;
    files: { path: string; patch: string }[];
  }[],
): BaseImageChange | null {
  let weaker: BaseImageChange | null = null;
  for (const commit of commits) {
    for (const file of commit.files.filter((f) => IMAGE_BUILD_FILE.test(f.path))) {
      const changed = file.patch.split('\n').filter((l) => /^[+-](?![+-]{2})/.test(l));
      const froms = changed.filter((l) => imageOf(l.slice(1)));
      // The last stage is the one that runs: its base image is the one the process links against.
      const added = froms.filter((l) => l.startsWith('+')).at(-1);
      const removed = froms.filter((l) => l.startsWith('-')).at(-1);
      if (added) {
        const from = removed ? imageOf(removed.slice(1)) : undefined;
        const to = imageOf(added.slice(1));
        if (from !== to)
          return {
            commit,
            file: file.path,
            from,
            to,
            lines: [removed, added].filter((l): l is string => Boolean(l)),
            what: 'base image',
          };
      }
      const installs = changed.filter((l) => NATIVE_INSTALL.test(l));
      if (installs.length && weaker?.what !== 'system packages')
        weaker = { commit, file: file.path, lines: installs.slice(0, 3), what: 'system packages' };
      else if (!file.patch && !weaker) weaker = { commit, file: file.path, lines: [], what: 'image build' };
    }
  }
  return weaker;
}

/** The crash line and the stack printed after it (faulthandler, Go's goroutine dump, hs_err frames). */
function crashInLog(text: string): { line: string; frames: StackFrame[] } | undefined {
  // Go turns a nil dereference into a panic of its own code (`[signal SIGSEGV …]` is only its
  // footnote); only a signal in cgo or the runtime itself is a native crash.
  if (GO_NIL_PANIC.test(text) && !/unexpected signal during runtime execution/.test(text)) return undefined;
  const lines = text.split('\n');
  const at = lines.findIndex((l) => NATIVE_CRASH_LINE.test(l));
  if (at < 0) return undefined;
  const frames = lines
    .slice(at + 1, at + 60)
    .map((l) => parseStackFrame(l))
    .filter((f): f is StackFrame => f !== null);
  return { line: (lines[at] ?? '').trim(), frames };
}

/**
 * Containers that died of a signal raised by native code: exit code 132/135/136/139 (134 only with a
 * crash line, since runtimes abort on their own heap limits too), or a native crash line in the log.
 */
export function nativeCrashes(facts: ServiceFacts, now?: Date): NativeCrash[] {
  const crashes: NativeCrash[] = [];
  for (const pod of facts.listing.pods) {
    for (const c of pod.containers) {
      const terminated = c.state === 'terminated' ? c.exitCode : undefined;
      const exitCode = c.lastTermination?.exitCode ?? terminated;
      if (!(c.restartCount ?? 0) && terminated === undefined) continue;
      // A crash days ago in a container that has run ready since is history, not this incident.
      const finished = Date.parse(c.lastTermination?.finishedAt ?? '');
      const settled =
        c.state === 'running' &&
        c.ready !== false &&
        now !== undefined &&
        Number.isFinite(finished) &&
        now.getTime() - finished > SETTLED_MS;
      if (settled) continue;
      const logs = facts.logs
        .filter((l) => l.pod === pod.name && (!l.container || l.container === c.name))
        .sort((a, b) => Number(b.previous) - Number(a.previous));
      if (logs.some((l) => HEAP_EXHAUSTED.test(l.text))) continue;
      const seen = logs.map((l) => crashInLog(l.text)).find(Boolean);
      const byCode = exitSignal(exitCode);
      const signal =
        byCode?.native && (byCode.code !== 134 || seen) ? byCode : seen ? signalOfLine(seen.line) : undefined;
      if (!signal) continue;
      crashes.push({
        pod: pod.name,
        container: c.name,
        restarts: c.restartCount,
        exitCode,
        signal,
        line: seen?.line,
        frames: seen?.frames ?? [],
      });
    }
  }
  // Those that printed why first: their stack says which native code crashed.
  return crashes.sort((a, b) => Number(Boolean(b.line)) - Number(Boolean(a.line)));
}

function firstLine(message: string | undefined): string {
  return (message ?? '').split('\n')[0]?.trim() ?? '';
}

function noteBaseImage(ctx: EngineContext, change: BaseImageChange): string {
  const { commit } = change;
  const { suspectCommits, suspectFiles, evidence } = ctx.casebook;
  if (!suspectCommits.some((c) => c.sha === commit.sha)) suspectCommits.unshift(suspectOf(commit));
  if (!suspectFiles.some((f) => f.path === change.file)) suspectFiles.unshift({ path: change.file });
  const quoted = change.lines.length
    ? `: ${change.lines.map((l) => `\`${showLine(l)}\``).join(', ')}`
    : ' (its diff is not shown)';
  const what =
    change.what === 'base image'
      ? `changed the base image in ${change.file}${change.from ? ` from ${change.from}` : ''}${change.to ? ` to ${change.to}` : ''}`
      : change.what === 'system packages'
        ? `changed the system packages ${change.file} installs`
        : `changed ${change.file}`;
  const note = `Commit ${commit.sha.slice(0, 7)} "${firstLine(commit.message)}" (${commit.author ?? 'unknown'}, ${commit.date ?? ''}) ${what}${quoted}.`;
  evidence.push({ source: 'github', detail: note, ref: commit.sha });
  return note;
}

/**
 * A container that crashes on a native signal (a segmentation fault, an illegal instruction, an
 * abort from the C library): no language-level error explains it, so the change to look for is
 * beneath the code — the upgrade of the library whose native code crashed, or the base image and
 * system libraries the image is built on.
 */
export const nativeCrashRule: Rule = async (ctx, facts) => {
  const crashes = nativeCrashes(facts, ctx.now);
  const crash = crashes[0];
  if (!crash) return null;
  const { signal } = crash;
  const pods = new Set(crashes.map((c) => c.pod));
  const appFrame = crash.frames.find((f) => f.app);
  const libraries = librariesOf({ frames: crash.frames, appFrame });
  const inside = libraries[0];
  const commits = await recentCommitDetails(ctx);
  const upgrade: LibraryUpgrade | null = findLibraryUpgrade(commits, libraries);
  const image = findBaseImageChange(commits);
  const code = crash.exitCode !== undefined ? `exit code ${crash.exitCode}, ` : '';
  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `container ${crash.container} of ${crash.pod} restarted ${crash.restarts ?? '?'} times; it last died with ${code}${describeSignal(signal)}${pods.size > 1 ? ` (${pods.size} pods alike)` : ''}`,
    ref: `pod/${crash.pod}`,
  });
  if (crash.line) {
    const stack = crash.frames
      .slice(0, 4)
      .map((f) => `${f.file}:${f.line}${f.function ? ` ${f.function}` : ''}`)
      .join(' ← ');
    ctx.casebook.evidence.push({
      source: 'logs',
      detail: `${quote(crash.line, 200)}${stack ? ` — at ${stack}` : ''}`,
      ref: `pod/${crash.pod}`,
    });
  }
  const where = inside
    ? ` inside ${inside}${crash.frames[0] ? ` (${crash.frames[0].file}:${crash.frames[0].line})` : ''}${appFrame ? `, called from ${appFrame.file}:${appFrame.line}` : ''}`
    : '';
  const died = `${facts.service}'s container ${crash.container} dies with ${code}${describeSignal(signal)}: native code in the process crashed${where}, so no language-level error explains it. ${pods.size > 1 ? `${pods.size} pods crash the same way` : `Pod ${crash.pod} has restarted ${crash.restarts ?? '?'} times`}${crash.line ? `; it logged \`${quote(crash.line, 160)}\`` : ''}.`;
  let cause = '';
  let fix: string;
  let summaryCause = '';
  if (upgrade) {
    noteLibraryUpgrade(ctx, upgrade);
    cause = ` ${upgrade.note}`;
    summaryCause = `, after ${upgrade.commit.sha.slice(0, 7)} upgraded ${upgrade.library}`;
    fix = `Pin ${upgrade.library}${upgrade.from ? ` back to ${upgrade.from}` : ''} in ${upgrade.manifest} (revert ${upgrade.commit.sha.slice(0, 7)}) and rebuild; upgrade again only once the new version runs in CI on the same base image.`;
  } else if (image) {
    const note = noteBaseImage(ctx, image);
    const sha = image.commit.sha.slice(0, 7);
    const native = inside ?? 'the native libraries the application loads';
    if (image.what === 'base image') {
      cause = ` ${note} A base image brings its own system libraries (libc, OpenSSL and the like); native code built or bundled for the old image (${native}) can crash against the new one, so the base image change${image.from && image.to ? ` (${image.from} → ${image.to})` : ''} is the likely cause.`;
      summaryCause = `, since ${sha} changed the base image${image.from && image.to ? ` from ${image.from} to ${image.to}` : ''}`;
      fix = `Pin the base image back${image.from ? ` to ${image.from}` : ''} in ${image.file} (revert ${sha}) and rebuild. Before moving${image.to ? ` to ${image.to}` : ''} again, rebuild or upgrade ${native} against the new image (prefer builds linked to the image's own system libraries over prebuilt binaries that bundle theirs) and start the service on the new image in CI.`;
    } else {
      cause = ` ${note} Native code loads the image's system libraries, so that change is the likely cause.`;
      summaryCause = `, since ${sha} changed ${image.file}`;
      fix = `Restore the previous system packages in ${image.file} (revert ${sha}) and rebuild; then find which library ${native} needs at which version before changing them again.`;
    }
  } else {
    fix = `Find which native code crashes: read kubectl logs ${crash.pod} -c ${crash.container} --previous, enable a core dump or the runtime's crash handler (Python's faulthandler, the JVM's hs_err file), and compare the native libraries and base image of this image with the last one that ran.`;
  }
  return {
    status: 'diagnosed',
    summary: `${facts.service} is crash-looping on a ${signal.name} (${code}${signal.signal}) in native code${inside ? ` inside ${inside}` : ''}${summaryCause}.`,
    statement: `${died}${cause}`,
    confidence: upgrade || image?.what === 'base image' ? 'high' : 'medium',
    fix,
    rollback: true,
  };
};
