import type { EngineContext } from '../../engine.js';
import type { StackFrame } from '../stack-frames.js';
import { suspectOf } from '../tool-data.js';
import { recentCommitDetails, showLine, type ChangeLink, type CommitDetail } from './recent-change.js';

/**
 * The files that pin an application's third-party libraries, in every ecosystem the log analysis
 * reads: a version bump lands in one of these, not in the code that calls the library.
 */
export const DEPENDENCY_MANIFEST =
  /(?:^|\/)(?:package(?:-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|requirements[\w.-]*\.(?:txt|in)|constraints[\w.-]*\.txt|pyproject\.toml|poetry\.lock|Pipfile(?:\.lock)?|uv\.lock|setup\.cfg|go\.mod|go\.sum|pom\.xml|build\.gradle(?:\.kts)?|gradle\.lockfile|libs\.versions\.toml|Gemfile(?:\.lock)?|[^/]+\.csproj|packages\.lock\.json|Directory\.Packages\.props|Cargo\.(?:toml|lock)|mix\.(?:exs|lock)|composer\.(?:json|lock))$/;

/** Lock files record a bump too, but the manifest's own line is the one a person reads. */
export const LOCK_FILE = /(?:lock\.json|\.lock|lockfile|go\.sum|lock\.yaml|shrinkwrap\.json)$/;

/** Where each package manager installs a library, and the library's name in that path. */
const LIBRARY_PATHS: RegExp[] = [
  // npm: the innermost package of a nested node_modules path, scoped or not
  /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//,
  // pip: the top-level module directory (or single-file module) under site-packages
  /(?:site|dist)-packages\/([A-Za-z_][\w]*)(?:\/|\.py$)/,
  // Go modules: the module path before its version
  /\/pkg\/mod\/(.+?)@v[^/]+\//,
  // RubyGems: name-version directory
  /\/gems\/([A-Za-z][\w-]*?)-\d[\w.]*\//,
  // Cargo: crate-version directory in the registry
  /\.cargo\/registry\/src\/[^/]+\/([A-Za-z][\w-]*?)-\d[\w.+-]*\//,
];

/** Messages of a failed import, with the module they name: Python, Node (CommonJS and ESM), Ruby. */
const IMPORT_ERRORS: RegExp[] = [
  /cannot import name '[^']+' from '([\w.]+)'/,
  /No module named '([\w.]+)'/,
  /Cannot find module '((?:@[\w.-]+\/)?[\w.-]+)/,
  /requested module '((?:@[\w.-]+\/)?[\w.-]+)' does not provide/,
  /cannot load such file -- ([\w-]+)/,
];

/** Namespace roots that name an organisation or the runtime, never a library. */
const NOT_A_LIBRARY = new Set([
  'org',
  'com',
  'io',
  'net',
  'dev',
  'app',
  'java',
  'javax',
  'jakarta',
  'jdk',
  'sun',
  'kotlin',
  'kotlinx',
  'scala',
  'system',
  'microsoft',
  'runtime',
  'internal',
  'main',
  'lib',
  'src',
  'node',
  'elixir',
  'stdlib',
  'kernel',
  'builtins',
  'apache',
  'google',
  'github',
  'golang',
]);

/** .NET namespaces of the shared framework (installed with the runtime, not pinned by a project file). */
const SHARED_FRAMEWORK = /^Microsoft\.(?:AspNetCore|CSharp|VisualBasic|Win32|JSInterop|Net\.Http\.Headers)\./;

/** Frames of the runtime itself, which no manifest pins. */
const RUNTIME_ROOT = /^(?:System|Microsoft|java|javax|jdk|sun|kotlin|scala|runtime)\./;

/**
 * First words of error class names that say what went wrong, not who raised it (`TypeError`,
 * `ValidationError`): only a word outside this list (`MongooseError`, `SequelizeDatabaseError`) can
 * be a library's name.
 */
const GENERIC_ERROR_WORDS = new Set(
  (
    'type range reference syntax eval uri internal aggregate value key index attribute runtime assertion ' +
    'argument illegal null not invalid unsupported io os http https timeout connection database db ' +
    'validation permission file lookup name import module memory overflow recursion stop system unicode ' +
    'zero arithmetic base standard fatal abort cast class security parse json xml sql query request ' +
    'response server client network socket auth authentication authorization unauthorized forbidden bad ' +
    'unhandled uncaught unknown missing duplicate operational integrity programming data interface ' +
    'transaction concurrent execution application app service config configuration state no undefined ' +
    'out resource deadline cancelled canceled closed broken child process environment encoding decode ' +
    'encode format conversion stack access conflict too precondition protocol transport dial temporary ' +
    'panic error exception fault custom domain business api'
  ).split(' '),
);

function splitCamel(name: string): string[] {
  return name.match(/[A-Z]+(?![a-z])|[A-Z][a-z0-9]*/g) ?? [];
}

/**
 * The libraries an exception came from: those whose frames lie inside it (innermost first, up to
 * the application's own frame) and the one its class names (`sqlalchemy.exc.OperationalError`,
 * `org.hibernate.X`, `MongooseError`). Lower case; a Go module keeps its path.
 */
export function librariesOf(signature: {
  type?: string;
  message?: string;
  frames: readonly StackFrame[];
  appFrame?: StackFrame;
}): string[] {
  const found: string[] = [];
  const add = (name: string | undefined) => {
    const n = name?.trim().toLowerCase();
    if (n && n.length >= 2 && !NOT_A_LIBRARY.has(n) && !found.includes(n)) found.push(n);
  };
  const inner = signature.appFrame ? signature.frames.indexOf(signature.appFrame) : -1;
  for (const frame of inner >= 0 ? signature.frames.slice(0, inner) : signature.frames) {
    if (frame.app) continue;
    const byPath = LIBRARY_PATHS.map((p) => frame.file.match(p)?.[1]).find(Boolean);
    if (byPath) {
      add(byPath);
      continue;
    }
    // JVM, .NET and Elixir frames name the library by namespace, not path.
    const fn = frame.function ?? '';
    const otp = fn.match(/^([a-z_]+):/);
    if (otp) add(otp[1]);
    else if (!RUNTIME_ROOT.test(fn)) {
      const segments = fn.split(/[.(/]/).filter((s) => /^[A-Za-z_]\w*$/.test(s));
      const roots = segments.slice(0, -2).filter((s) => !NOT_A_LIBRARY.has(s.toLowerCase()));
      if (roots[0]) add(roots[0]);
    }
  }
  // An import that fails names the module it wanted; a path in the message names its package.
  const message = signature.message ?? '';
  for (const pattern of IMPORT_ERRORS) add(message.match(pattern)?.[1]?.split('.')[0]);
  for (const pattern of LIBRARY_PATHS) add(message.match(pattern)?.[1]);
  const type = signature.type ?? '';
  const qualified = type.split('.');
  if (qualified.length > 1) {
    // A .NET package is named as its namespace: Microsoft.Data.SqlClient ships from NuGet, not with the runtime.
    if (/^Microsoft\./.test(type) && !SHARED_FRAMEWORK.test(type) && qualified.length > 2)
      add(qualified.slice(0, -1).join('.'));
    if (RUNTIME_ROOT.test(type)) return found;
    const root = qualified.slice(0, -1).find((s) => !NOT_A_LIBRARY.has(s.toLowerCase()));
    add(root);
  } else {
    const words = splitCamel(type);
    const first = words[0];
    if (words.length >= 2 && first && first.length >= 4 && !GENERIC_ERROR_WORDS.has(first.toLowerCase()))
      add(first);
  }
  return found;
}

/** Whether a manifest line names the library: as a whole name, a Python distribution's prefix, a Go module. */
function namesLibrary(line: string, library: string): boolean {
  const text = line.toLowerCase().replace(/_/g, '-');
  const name = library.replace(/_/g, '-').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (library.includes('/')) return text.includes(library);
  return new RegExp(`(?:^|[^\\w.@/-]|node_modules/)${name}(?![\\w@/]|\\.\\w)`).test(text);
}

/** The version a dependency line pins (`"7.8.3"`, `==2.9.10`, `v5.6.0`, `(3.0.1)`). */
function versionIn(line: string): string | undefined {
  return line.match(/\bv?\d+(?:\.[\w-]+)+\b/)?.[0];
}

/**
 * The changed lines of a manifest's patch that pin `library` (the line itself names it, or a
 * line just above it in the hunk does, as in pom.xml and lock files), old version first.
 */
export function dependencyLines(patch: string, library: string): string[] {
  const lines = patch.split('\n');
  const picked: string[] = [];
  lines.forEach((line, i) => {
    if (!/^[+-](?![+-]{2})/.test(line)) return;
    let named = namesLibrary(line.slice(1), library);
    for (let j = i - 1; !named && j >= Math.max(0, i - 3); j--) {
      const above = lines[j] ?? '';
      if (above.startsWith('@@')) break;
      named = namesLibrary(above.slice(1), library) && !/^[+-]/.test(above);
    }
    if (named && versionIn(line.slice(1))) picked.push(line);
  });
  return picked.slice(0, 4);
}

/** The changed lines of a manifest's patch that pin a version of anything: what a bump changed. */
function bumpLines(patch: string): string[] {
  return patch
    .split('\n')
    .filter((l) => /^[+-](?![+-]{2})/.test(l) && versionIn(l.slice(1)))
    .slice(0, 4);
}

/** The version a text gives right after a library's name (`Microsoft.Data.SqlClient 5.1`). */
function versionAfter(text: string, library: string): string | undefined {
  const at = text.toLowerCase().replace(/_/g, '-').indexOf(library.replace(/_/g, '-'));
  return at < 0
    ? undefined
    : text.slice(at + library.length, at + library.length + 24).match(/^\W{0,4}(v?\d+(?:\.[\w-]+)+)/)?.[1];
}

export interface LibraryUpgrade extends ChangeLink {
  library: string;
  manifest: string;
  from?: string;
  to?: string;
}

function firstLine(message: string | undefined): string {
  return (message ?? '').split('\n')[0]?.trim() ?? '';
}

/**
 * The recent commit that changed the version of one of `libraries` in a dependency manifest:
 * the newest whose diff changes the library's version line, else one whose message names the
 * library and that touched a manifest (its diff unseen). Null when none did.
 */
export function findLibraryUpgrade(
  commits: readonly CommitDetail[],
  libraries: readonly string[],
): LibraryUpgrade | null {
  for (const library of libraries) {
    for (const commit of commits) {
      const manifests = commit.files
        .filter((f) => DEPENDENCY_MANIFEST.test(f.path))
        .sort((a, b) => Number(LOCK_FILE.test(a.path)) - Number(LOCK_FILE.test(b.path)));
      for (const file of manifests) {
        const lines = dependencyLines(file.patch, library);
        if (!lines.length) continue;
        const from = versionIn(lines.find((l) => l.startsWith('-'))?.slice(1) ?? '');
        const to = versionIn(lines.find((l) => l.startsWith('+'))?.slice(1) ?? '');
        return upgradeLink(commit, library, file.path, lines, file.patch, from, to);
      }
      const message = firstLine(commit.message);
      if (manifests.length && !manifests.some((f) => f.patch) && namesLibrary(message, library)) {
        const versions = [...message.matchAll(/\bv?\d+(?:\.[\w-]+)+\b/g)].map((m) => m[0]);
        return upgradeLink(commit, library, manifests[0]!.path, [], '', versions[0], versions[1]);
      }
      // A library the manifest does not name, brought in by a package it bumped: the commit's message says so.
      const manifest = manifests.find((f) => f.patch && bumpLines(f.patch).length);
      if (manifest && namesLibrary(commit.message ?? '', library)) {
        const to = versionAfter(commit.message ?? '', library);
        return upgradeLink(
          commit,
          library,
          manifest.path,
          bumpLines(manifest.patch),
          manifest.patch,
          undefined,
          to,
        );
      }
    }
  }
  return null;
}

function upgradeLink(
  commit: CommitDetail,
  library: string,
  manifest: string,
  lines: string[],
  patch: string,
  from: string | undefined,
  to: string | undefined,
): LibraryUpgrade {
  const versions = from && to ? ` from ${from} to ${to}` : to ? ` to ${to}` : '';
  const quoted = lines.length
    ? `: ${lines.map((l) => `\`${showLine(l)}\``).join(', ')}`
    : ' (its diff is not shown)';
  return {
    commit,
    files: commit.files.map((f) => f.path),
    lines,
    ...(patch ? { patch } : {}),
    library,
    manifest,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    note: `Commit ${commit.sha.slice(0, 7)} "${firstLine(commit.message)}" (${commit.author ?? 'unknown'}, ${commit.date ?? ''}) upgraded ${library}${versions} in ${manifest}${quoted}. The error is raised inside ${library}, so that upgrade is the likely cause: the new version behaves differently from what the code expects.`,
  };
}

/** Record an upgrade as the prime suspect: its commit first, its manifest after the failing code. */
export function noteLibraryUpgrade(ctx: EngineContext, upgrade: LibraryUpgrade): void {
  const { suspectCommits, suspectFiles, evidence } = ctx.casebook;
  const { commit } = upgrade;
  const known = suspectCommits.findIndex((c) => c.sha === commit.sha);
  if (known >= 0) suspectCommits.splice(known, 1);
  suspectCommits.unshift(suspectOf(commit));
  if (!suspectFiles.some((f) => f.path === upgrade.manifest)) suspectFiles.push({ path: upgrade.manifest });
  evidence.push({ source: 'github', detail: upgrade.note, ref: commit.sha });
}

/** The upgrade of a library that `signature` was raised in, read from the recent commits. */
export async function libraryUpgradeFor(
  ctx: EngineContext,
  signature: Parameters<typeof librariesOf>[0],
): Promise<LibraryUpgrade | null> {
  const libraries = librariesOf(signature);
  if (!libraries.length) return null;
  return findLibraryUpgrade(await recentCommitDetails(ctx), libraries);
}

/** The lasting fix for code broken by a library's new version. */
export function upgradeFix(upgrade: LibraryUpgrade, where?: string): string {
  const back = upgrade.from ? ` back to ${upgrade.from}` : '';
  return `Either adapt ${where ?? 'the calling code'} to ${upgrade.library}${upgrade.to ? ` ${upgrade.to}` : ''} (its release notes and migration guide name the change behind this error), or pin ${upgrade.library}${back} in ${upgrade.manifest} (revert ${upgrade.commit.sha.slice(0, 7)}) until the code is ready. Add a test that exercises this call before upgrading again.`;
}
