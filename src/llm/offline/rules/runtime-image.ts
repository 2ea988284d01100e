/**
 * A process that cannot start on the image it was shipped in: the code was built for a newer
 * runtime or C library than the image provides (a JVM older than the class files, a .NET runtime
 * older than the target framework, a glibc older than the binary was linked against), or the image
 * lacks a shared library the binary needs. The code is fine; the image's runtime environment
 * changed under it, so the change to blame is the one to the image build or the build's target.
 */
import type { EngineContext } from '../../engine.js';
import type { ServiceFacts } from '../facts.js';
import { quote } from '../quote.js';
import {
  currentImageBuildFiles,
  findBuildChange,
  fromLine,
  IMAGE_BUILD_FILE,
  isRuntimeStage,
  noteBuildChange,
  runtimeImageOf,
  type BuildChange,
} from './image-build.js';
import { recentCommitDetails } from './recent-change.js';
import { findLogged, loggedLineEvidence, type LoggedLine } from './runtime-logged.js';
import { times, type Rule } from './verdict.js';

/** Files that set the language level a build compiles for. */
const BUILD_TARGET_FILE =
  /(?:^|\/)(?:build\.gradle(?:\.kts)?|pom\.xml|gradle\.properties|build\.sbt|\.java-version|\.tool-versions|[^/]+\.(?:cs|fs|vb)proj|Directory\.Build\.props|global\.json)$/;

/** A JVM build's target level: Gradle toolchains and compatibility, Kotlin's jvmTarget, Maven's release. */
const JAVA_TARGET =
  /jvmToolchain\s*\(\s*(\d+)|JavaLanguageVersion\.of\(\s*(\d+)|JavaVersion\.VERSION_(?:1_)?(\d+)|JvmTarget\.JVM_(?:1_)?(\d+)|jvmTarget\s*=\s*["']?(?:1\.)?(\d+)|(?:source|target)Compatibility\s*=\s*["']?(?:1\.)?(\d+)|<(?:maven\.compiler\.(?:release|target|source)|java\.version|release)>\s*(?:1\.)?(\d+)\s*<|--release[\s=](\d+)|^java\s+(\d+)/;

/** A .NET project's target framework (`net8.0`) or a runtime/SDK image tag (`aspnet:6.0`). */
const DOTNET_TARGET = /<TargetFrameworks?>[^<]*?net(\d+)\.\d/;
const DOTNET_IMAGE = /dotnet\/(?:aspnet|runtime|runtime-deps|sdk)[^:]*:(\d+)\./;

/** A line of an image build that installs system packages. */
const PACKAGE_INSTALL = /\b(?:apt-get|apt|apk|yum|dnf|microdnf|zypper)\b.*\b(?:install|add)\b/;

interface Mismatch {
  line: LoggedLine;
  /** What the runtime says, in words a person reads (`compiled for Java 21 … runs up to Java 17`). */
  what: string;
  /** Which changed lines bear on it, and how much. */
  judge: (
    runtimeImage?: string,
  ) => (file: string, changed: string[]) => { lines: string[]; weight: number } | null;
  /** Why that change is the cause, once found. */
  because: string;
  fix: (change: BuildChange | null) => string;
  summary: string;
  /** The line alone is ambiguous (another rule reads it too): only a matching change makes it this fault. */
  needsChange?: boolean;
}

/** The Java release a class file's major version belongs to (52 → 8, 61 → 17, 65 → 21). */
export function javaRelease(major: number): number | undefined {
  return major >= 49 ? major - 44 : undefined;
}

/** The Java release an image tag carries (`eclipse-temurin:17-jre-alpine`, `gradle:8.11-jdk21`, `distroless/java21`). */
export function javaOfImage(image: string): number | undefined {
  const named = image.match(/(?:jdk|jre|java|openjdk)-?(\d{1,2})(?!\d|\.\d)/i)?.[1];
  if (named) return Number(named);
  if (!/temurin|openjdk|corretto|zulu|liberica|semeru|sapmachine|jre|jdk|java/i.test(image)) return undefined;
  const tag = image.split(':')[1]?.match(/^(?:\w+-)?(\d{1,2})(?:[.\-_u]|$)/)?.[1];
  return tag ? Number(tag) : undefined;
}

/** A FROM line pair of one stage in a diff: the `-` line just above the `+` one, if any. */
function fromPair(changed: string[], added: string): string[] {
  const index = changed.indexOf(added);
  const removed = changed
    .slice(0, index)
    .reverse()
    .find((l) => l.startsWith('-') && fromLine(l.slice(1)));
  return removed ? [removed, added] : [added];
}

/** Added FROM lines of a Dockerfile diff, with whether each starts the stage that runs. */
function addedFroms(changed: string[], runtimeImage?: string) {
  return changed
    .filter((l) => l.startsWith('+'))
    .flatMap((l) => {
      const from = fromLine(l.slice(1));
      return from ? [{ line: l, from, runtime: isRuntimeStage(from, runtimeImage) }] : [];
    });
}

/** A target-level line pair in a build file: the level now and the one it replaced. */
function targetPair(changed: string[], pattern: RegExp): { lines: string[]; level?: number } {
  const level = (l: string) => {
    const m = l.slice(1).match(pattern);
    const v = m?.slice(1).find((x) => x !== undefined);
    return v ? Number(v) : undefined;
  };
  const added = changed.find((l) => l.startsWith('+') && level(l) !== undefined);
  const removed = changed.find((l) => l.startsWith('-') && level(l) !== undefined);
  return {
    lines: [removed, added].filter((l): l is string => Boolean(l)),
    level: added ? level(added) : undefined,
  };
}

/** The JVM refuses class files newer than itself: `UnsupportedClassVersionError … 65.0 … up to 61.0`. */
function jvmMismatch(facts: ServiceFacts): Mismatch | null {
  const line = findLogged(facts, /UnsupportedClassVersionError|Unsupported major\.minor version/);
  if (!line) return null;
  const text = line.samples.join('\n');
  const compiled = Number(
    text.match(/class file version (\d+)/)?.[1] ??
      text.match(/Unsupported major\.minor version (\d+)/)?.[1] ??
      NaN,
  );
  const upTo = Number(text.match(/versions up to (\d+)/)?.[1] ?? NaN);
  const built = javaRelease(compiled);
  const runs = javaRelease(upTo);
  const builtSays = built ? `Java ${built} (class file version ${compiled}.0)` : 'a newer Java';
  const runsSays = runs ? `Java ${runs} (class file versions up to ${upTo}.0)` : 'an older Java';
  return {
    line,
    what: `The classes were compiled for ${builtSays}, but the JVM in the runtime image is ${runsSays}, so it refuses to load the main class (UnsupportedClassVersionError) and the container exits at once.`,
    judge: (runtimeImage) => (file, changed) => {
      if (IMAGE_BUILD_FILE.test(file)) {
        let best: { lines: string[]; weight: number } | null = null;
        for (const { line: added, from, runtime } of addedFroms(changed, runtimeImage)) {
          const java = javaOfImage(from.image);
          // The runtime stage moved to a JVM older than the classes, or the build stage to a newer JDK.
          const weight =
            runtime && java !== undefined && (built === undefined || java < built)
              ? 5
              : !runtime && java !== undefined && built !== undefined && java >= built
                ? 4
                : 2;
          if (!best || weight > best.weight) best = { lines: fromPair(changed, added), weight };
        }
        return best;
      }
      if (!BUILD_TARGET_FILE.test(file)) return null;
      const target = targetPair(changed, JAVA_TARGET);
      if (target.level === undefined) return null;
      return { lines: target.lines, weight: built === undefined || target.level >= built ? 4 : 1 };
    },
    because: `That change left the runtime image's Java${runs ? ` (${runs})` : ''} older than the Java the build compiles for${built ? ` (${built})` : ''}.`,
    fix: (change) =>
      `Run on a Java ${built ?? 'release'} or newer runtime: set the final stage's base image to a ${built ? `Java ${built}` : 'matching'} JRE${change && IMAGE_BUILD_FILE.test(change.file) ? ` in ${change.file}` : ''} (or lower the build's target${runs ? ` to ${runs}` : ''} — jvmToolchain/release), rebuild, and have CI start the built image so a mismatch fails the build, not the rollout.`,
    summary: `cannot start: its classes need ${built ? `Java ${built}` : 'a newer Java'} but the runtime image has ${runs ? `Java ${runs}` : 'an older JVM'} (UnsupportedClassVersionError)`,
  };
}

/** The .NET host finds no runtime of the framework version the app targets. */
function dotnetMismatch(facts: ServiceFacts): Mismatch | null {
  const line = findLogged(
    facts,
    /You must install or update \.NET to run this application|The framework '[\w.]+', version '[\d.]+'[^\n]*was not found|The specified framework '[\w.]+', version '[\d.]+' was not found/,
  );
  if (!line) return null;
  const all = `${line.text}\n${line.samples.join('\n')}`;
  const wanted = all.match(/[Ff]ramework(?::)? '([\w.]+)', version '(\d+)\.[\d.]*'/);
  const found = [...all.matchAll(/^\s*(\d+)\.\d+\.\d+ at \[/gm)].map((m) => Number(m[1]));
  const needs = wanted ? Number(wanted[2]) : undefined;
  const has = found.length ? Math.max(...found) : undefined;
  return {
    line,
    what: `The app targets ${wanted?.[1] ?? '.NET'} ${needs ?? ''}, but the runtime image ${has ? `has only ${has}.x` : 'does not have it'}, so the .NET host exits before the app starts.`,
    judge: (runtimeImage) => (file, changed) => {
      if (IMAGE_BUILD_FILE.test(file)) {
        let best: { lines: string[]; weight: number } | null = null;
        for (const { line: added, from, runtime } of addedFroms(changed, runtimeImage)) {
          const major = Number(from.image.match(DOTNET_IMAGE)?.[1] ?? NaN);
          const weight =
            runtime && Number.isFinite(major) && (needs === undefined || major < needs)
              ? 5
              : !runtime && needs !== undefined && major >= needs
                ? 4
                : 2;
          if (!best || weight > best.weight) best = { lines: fromPair(changed, added), weight };
        }
        return best;
      }
      if (!BUILD_TARGET_FILE.test(file)) return null;
      const target = targetPair(changed, DOTNET_TARGET);
      return target.level === undefined ? null : { lines: target.lines, weight: 4 };
    },
    because: `That change left the runtime image's .NET older than the framework the app targets.`,
    fix: () =>
      `Use a runtime image of .NET ${needs ?? 'the targeted version'} (mcr.microsoft.com/dotnet/aspnet:${needs ?? '<version>'}.0 or runtime:${needs ?? '<version>'}.0) in the final stage, or target the runtime the image has, then rebuild.`,
    summary: `cannot start: it targets .NET ${needs ?? '(newer)'} but the runtime image ${has ? `has ${has}.x` : 'lacks it'}`,
  };
}

/** The binary needs a newer glibc (or any glibc) than the image's C library. */
function libcMismatch(facts: ServiceFacts): Mismatch | null {
  // glibc's loader names the missing symbol version; musl's says it cannot relocate a glibc symbol.
  const line = findLogged(
    facts,
    /version [`']?GLIBC(?:XX)?_[\d.]+'? not found|GLIBC_[\d.]+ not found|Error relocating [^:\s]+: [\w.]+: symbol not found/,
  );
  if (!line) return null;
  const symbol =
    line.sample.match(/GLIBC(?:XX)?_[\d.]+/)?.[0] ??
    line.sample.match(/Error relocating [^:\s]+: ([\w.]+)/)?.[1] ??
    'GLIBC';
  return {
    line,
    what: `The binary was linked against a C library newer than the runtime image's (${symbol} is missing): it was built on a newer distribution than the one it runs on, or it runs on an image with another C library (musl on Alpine, none on scratch).`,
    judge: (runtimeImage) => (file, changed) => {
      if (!IMAGE_BUILD_FILE.test(file)) return null;
      const froms = addedFroms(changed, runtimeImage);
      const pick = froms.find((f) => f.runtime) ?? froms[0];
      if (pick) return { lines: fromPair(changed, pick.line), weight: 4 };
      const installs = changed.filter((l) => PACKAGE_INSTALL.test(l));
      return installs.length ? { lines: installs, weight: 1 } : null;
    },
    because: `A base image brings its own C library: the build stage and the runtime stage must agree on it.`,
    fix: () =>
      `Build and run on the same distribution release (the build stage's base image no newer than the runtime stage's), or link the binary statically (CGO_ENABLED=0 for Go, musl targets for Rust), then rebuild.`,
    summary: `cannot start: the binary needs ${symbol}, which the runtime image's C library lacks`,
  };
}

/** The dynamic loader finds no shared library the binary or a native module needs. */
function missingLibrary(facts: ServiceFacts): Mismatch | null {
  const line = findLogged(
    facts,
    /error while loading shared libraries: [\w.+-]+|[\w.+-]+\.so[\w.]*: cannot open shared object file|Error loading shared library [\w.+-]+/,
  );
  if (!line) return null;
  const library =
    line.sample
      .match(
        /error while loading shared libraries: ([\w.+-]+)|([\w.+-]+\.so[\w.]*): cannot open shared object file|Error loading shared library ([\w.+-]+)/,
      )
      ?.slice(1)
      .find(Boolean) ?? 'a shared library';
  const stem = library.replace(/\.so.*$/, '').replace(/^lib/, '');
  return {
    line,
    what: `The image has no ${library}, which the binary (or a native module it loads) was linked against: the runtime image changed under it, or the package that provided the library is no longer installed.`,
    judge: (runtimeImage) => (file, changed) => {
      if (!IMAGE_BUILD_FILE.test(file)) return null;
      const naming = changed.filter((l) => stem.length >= 2 && l.toLowerCase().includes(stem.toLowerCase()));
      if (naming.length) return { lines: naming, weight: 5 };
      const froms = addedFroms(changed, runtimeImage);
      const pick = froms.find((f) => f.runtime) ?? froms[0];
      if (pick) return { lines: fromPair(changed, pick.line), weight: 3 };
      const installs = changed.filter((l) => PACKAGE_INSTALL.test(l));
      return installs.length ? { lines: installs, weight: 2 } : null;
    },
    because: `The process loads ${library} from the image, so the image change is the likely cause.`,
    fix: () =>
      `Install the package that provides ${library} in the final stage (or go back to the base image that had it) and rebuild; start the built image in CI so a missing library fails the build.`,
    summary: `cannot start: the image lacks ${library}`,
  };
}

/** Images with no glibc loader: a dynamically linked glibc binary cannot start on them. */
const NO_GLIBC =
  /^(?:scratch$|busybox|alpine|[\w./-]*\/alpine|[\w./-]*-alpine|gcr\.io\/distroless\/static)|:[\w.-]*alpine/;

/**
 * `exec /app/server: no such file or directory` for a binary that is there: its ELF interpreter
 * (the glibc loader) is not, because the runtime image moved to one without glibc. Without such a
 * move the file is simply missing, which the command rule judges.
 */
function missingLoader(facts: ServiceFacts): Mismatch | null {
  const line = findLogged(facts, /exec (\S+): no such file or directory/);
  if (!line) return null;
  const binary = line.sample.match(/exec (\S+): no such file/)?.[1] ?? 'the binary';
  return {
    line,
    what: `The kernel cannot start ${binary} although the image build copies it in: a dynamically linked binary also needs its loader and C library (glibc's /lib64/ld-linux-*.so.2), and the runtime image has none.`,
    judge: (runtimeImage) => (file, changed) => {
      if (!IMAGE_BUILD_FILE.test(file)) return null;
      const moved = addedFroms(changed, runtimeImage).find((f) => f.runtime && NO_GLIBC.test(f.from.image));
      const cgo = changed.filter((l) => /CGO_ENABLED/.test(l));
      if (moved) return { lines: [...fromPair(changed, moved.line), ...cgo], weight: 5 };
      return cgo.length ? { lines: cgo, weight: 4 } : null;
    },
    because: `A binary linked against glibc cannot run on an image without it (scratch, distroless/static, Alpine's musl).`,
    needsChange: true,
    fix: () =>
      `Build the binary statically (CGO_ENABLED=0 for Go, a musl or static target otherwise) or run it on an image with glibc (distroless/base, a Debian slim image), then rebuild.`,
    summary: `cannot start ${binary}: the runtime image has no glibc loader for it`,
  };
}

/**
 * The image's runtime no longer fits the code: the evidence is the runtime's own refusal, and the
 * suspect is the recent change to the Dockerfile's FROM lines or the build's target level, not the
 * newest commit.
 */
export const runtimeMismatchRule: Rule = async (ctx, facts) => {
  const mismatch =
    jvmMismatch(facts) ??
    dotnetMismatch(facts) ??
    libcMismatch(facts) ??
    missingLibrary(facts) ??
    missingLoader(facts);
  if (!mismatch) return null;
  const change = await imageChange(ctx, mismatch);
  if (mismatch.needsChange && !change) return null;
  ctx.casebook.evidence.push(loggedLineEvidence(mismatch.line));
  const note = change ? noteBuildChange(ctx, change) : '';
  const sha = change?.commit.sha.slice(0, 7);
  return {
    status: 'diagnosed',
    summary: `${facts.service} ${mismatch.summary}${sha ? `, since commit ${sha} changed ${change?.file}` : ''}.`,
    statement: `${facts.service} logs "${quote(mismatch.line.sample, 240)}" (${times(mismatch.line.count)}). ${mismatch.what}${change ? ` ${note} ${mismatch.because}` : ' Compare the runtime image (the final FROM of the Dockerfile) with the one the last working version ran on.'}`,
    confidence: change ? 'high' : 'medium',
    fix: mismatch.fix(change),
    rollback: true,
    // With no change to the image build in the repository, the image moved elsewhere (a floating
    // base tag, a pipeline): a commit found from the error's words would be a false lead.
    ...(change ? {} : { notFromChange: true }),
  };
};

async function imageChange(ctx: EngineContext, mismatch: Mismatch): Promise<BuildChange | null> {
  const commits = await recentCommitDetails(ctx);
  const touched = commits.flatMap((c) => c.files.map((f) => f.path)).filter((p) => IMAGE_BUILD_FILE.test(p));
  const current = touched.length ? await currentImageBuildFiles(ctx, touched) : new Map<string, string>();
  const runtimeImage = [...current.values()].map((c) => runtimeImageOf(c)).find(Boolean);
  return findBuildChange(commits, mismatch.judge(runtimeImage));
}
