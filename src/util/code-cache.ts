import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { createRequire, Module } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** Where the code cache of a CommonJS bundle is kept: next to it, written at build time only. */
export const codeCachePath = (bundle: string): string => `${bundle}.v8-cache`;
/** The Node version that wrote that cache: V8 rejects a cache from any other, after reading it. */
const cacheNodePath = (bundle: string): string => `${codeCachePath(bundle)}.node`;

function compile(bundle: string, cachedData?: Buffer): Script {
  // Module.wrap gives the bundle the same scope as `require` would: exports, require, module, …
  return new Script(Module.wrap(readFileSync(bundle, 'utf8')), {
    filename: bundle,
    ...(cachedData ? { cachedData } : {}),
  });
}

/**
 * Loads a CommonJS bundle as `require` would, but compiled with the V8 code cache built next to it
 * (Node 20 has no module compile cache; `module.enableCompileCache` arrived in 22.1). Parsing a
 * server's bundle (the Kubernetes client alone is several megabytes) is most of its start-up; with
 * the cache, V8 skips it. The build's cache is never rewritten here (it sits beside the code, where
 * a running process has no business writing). V8 accepts a cache only from the Node version that
 * wrote it, so one from another version is not even read: Node's own compile cache takes over
 * where there is one (`nodeCompileCache`), else the bundle is compiled from source, only slower.
 */
export function requireWithCodeCache(bundle: string): unknown {
  const cache = codeCachePath(bundle);
  if (existsSync(cache) && builtBy(bundle) === process.version)
    return run(compile(bundle, readFileSync(cache)), bundle);
  // Built by another Node (the package is built on Node 20; users run 24): on Node 22.1+, Node's own
  // compile cache in a directory only this user can write; else compiled from source.
  if (nodeCompileCache()) return createRequire(bundle)(bundle);
  return run(compile(bundle), bundle);
}

function builtBy(bundle: string): string | undefined {
  try {
    return readFileSync(cacheNodePath(bundle), 'utf8').trim();
  } catch {
    return undefined;
  }
}

type EnableCompileCache = (dir?: string) => { status: number };
let compileCacheOn: boolean | undefined;

/**
 * Turns on Node's module compile cache (22.1+) once per process, in a per-user directory:
 * `$XDG_CACHE_HOME/sre-agent/compile-cache` (`~/.cache/…`), else `<tmpdir>/sre-agent-compile-cache-<uid>`
 * (a Lambda's /tmp). What is cached there is code the next run executes, so a directory is used
 * only when it is this user's own and no one else can write to it; otherwise nothing is cached.
 */
export function nodeCompileCache(env: NodeJS.ProcessEnv = process.env): boolean {
  if (compileCacheOn !== undefined) return compileCacheOn;
  compileCacheOn = false;
  const enable = (nodeModule as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
  if (typeof enable !== 'function') return false;
  const dir = privateCacheDir(env);
  if (!dir) return false;
  const { status } = enable(dir);
  const statuses = (nodeModule as { constants?: { compileCacheStatus?: Record<string, number> } }).constants
    ?.compileCacheStatus;
  compileCacheOn = status === statuses?.ENABLED || status === statuses?.ALREADY_ENABLED;
  return compileCacheOn;
}

/** The first candidate directory that is (or is now made) this user's and writable by no one else. */
export function privateCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const uid = process.getuid?.();
  const home = env.HOME || safeHomedir();
  const candidates = [
    env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, 'sre-agent', 'compile-cache') : undefined,
    home ? join(home, '.cache', 'sre-agent', 'compile-cache') : undefined,
    join(tmpdir(), `sre-agent-compile-cache-${uid ?? 'user'}`),
  ];
  for (const dir of candidates) {
    if (!dir) continue;
    try {
      makeDirs(dir);
      const stat = lstatSync(dir);
      if (stat.isDirectory() && (uid === undefined || stat.uid === uid) && (stat.mode & 0o022) === 0)
        return dir;
    } catch {
      // Not writable here (a read-only home in a container): the next candidate.
    }
  }
  return undefined;
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdirSync never returns on some paths (under
 * /proc, say, a HOME that is not a real home), and a start-up cache must never hang a run.
 */
function makeDirs(dir: string): void {
  const parent = dirname(dir);
  if (parent !== dir && !existsSync(parent)) makeDirs(parent);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

function safeHomedir(): string | undefined {
  try {
    return homedir();
  } catch {
    return undefined;
  }
}

function run(script: Script, bundle: string): unknown {
  const module = { exports: {} as unknown, filename: bundle };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return module.exports;
}

/**
 * Build step: writes the code cache of `bundle` for `requireWithCodeCache`. The bundle's top
 * level is run first (it only defines things: nothing is started), so that the functions its
 * start-up compiles are in the cache too. `train`, when given, then exercises the loaded exports
 * (a representative run), so that the functions a real run compiles are cached as well; a
 * training run that fails leaves a cache of what did run, which is as valid, only smaller.
 */
export async function writeCodeCache(
  bundle: string,
  train?: (exports: unknown) => Promise<void>,
): Promise<number> {
  const script = compile(bundle);
  const exports = run(script, bundle);
  if (train) {
    try {
      await train(exports);
    } catch (error) {
      process.stderr.write(
        `code cache of ${bundle}: the training run failed (${String(error)}); cached what ran\n`,
      );
    }
  }
  const data = script.createCachedData();
  writeFileSync(codeCachePath(bundle), data);
  writeFileSync(cacheNodePath(bundle), `${process.version}\n`);
  return data.length;
}
