import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** Where the code cache of a CommonJS bundle is kept: next to it, written at build time only. */
export const codeCachePath = (bundle: string): string => `${bundle}.v8-cache`;

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
 * the cache, V8 skips it. A cache from another Node version or other V8 flags is rejected by V8
 * itself and the bundle is compiled from source, only slower. The cache is never written here:
 * a file the running process could rewrite would be code that the next process runs.
 */
export function requireWithCodeCache(bundle: string): unknown {
  const cache = codeCachePath(bundle);
  return run(compile(bundle, existsSync(cache) ? readFileSync(cache) : undefined), bundle);
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
  return data.length;
}
