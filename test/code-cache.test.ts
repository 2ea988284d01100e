import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  codeCachePath,
  privateCacheDir,
  requireWithCodeCache,
  writeCodeCache,
} from '../src/util/code-cache.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'code-cache-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('requireWithCodeCache', () => {
  it('loads a CommonJS bundle as require would, with or without its cache', async () => {
    const bundle = join(dir, 'one.cjs');
    await writeFile(
      bundle,
      "const path = require('node:path');\nexports.where = () => path.basename(__filename);\nmodule.exports.twice = (n) => n * 2;\n",
    );
    const uncached = requireWithCodeCache(bundle) as { where(): string; twice(n: number): number };
    expect(uncached.where()).toBe('one.cjs');
    expect(await writeCodeCache(bundle)).toBeGreaterThan(0);
    expect(existsSync(codeCachePath(bundle))).toBe(true);
    const cached = requireWithCodeCache(bundle) as { where(): string; twice(n: number): number };
    expect(cached.twice(21)).toBe(42);
  });

  it('runs the current source when the cache was built from another', async () => {
    const bundle = join(dir, 'two.cjs');
    await writeFile(bundle, 'exports.answer = 1;\n');
    await writeCodeCache(bundle);
    await writeFile(bundle, 'exports.answer = 2; exports.more = true;\n');
    expect(requireWithCodeCache(bundle)).toEqual({ answer: 2, more: true });
  });

  it('trains on the loaded exports, and still writes a cache when the training run fails', async () => {
    const bundle = join(dir, 'three.cjs');
    await writeFile(bundle, 'let calls = 0;\nexports.work = (n) => { calls += 1; return n + calls; };\n');
    const seen: number[] = [];
    const size = await writeCodeCache(bundle, async (exports) => {
      seen.push((exports as { work(n: number): number }).work(1));
      throw new Error('the training scenario is missing');
    });
    expect(seen).toEqual([2]);
    expect(size).toBeGreaterThan(0);
    // A fresh load: the training run's state stayed in the build process.
    expect((requireWithCodeCache(bundle) as { work(n: number): number }).work(1)).toBe(2);
  });
});

describe('a cache built by another Node version', () => {
  it('is not used: the bundle runs from its source', async () => {
    const bundle = join(dir, 'four.cjs');
    await writeFile(bundle, 'exports.answer = 4;\n');
    await writeCodeCache(bundle);
    // As if the package had been built on another Node: V8 would reject the cache after reading it.
    await writeFile(`${codeCachePath(bundle)}.node`, 'v0.0.0\n');
    await writeFile(codeCachePath(bundle), 'not a V8 cache');
    expect(requireWithCodeCache(bundle)).toEqual({ answer: 4 });
  });
});

describe("the directory of Node's own compile cache", () => {
  it("is made in the user's cache directory, writable by the user alone", async () => {
    const xdg = join(dir, 'xdg');
    const made = privateCacheDir({ XDG_CACHE_HOME: xdg, HOME: join(dir, 'home') });
    expect(made).toBe(join(xdg, 'sre-agent', 'compile-cache'));
    expect(statSync(made as string).mode & 0o077).toBe(0);
  });

  it('passes over a home it cannot make directories in, without hanging', () => {
    // Node's recursive mkdirSync never returns under /proc; the cache directory must not depend on it.
    const xdg = join(dir, 'xdg-proc');
    expect(privateCacheDir({ HOME: '/proc', XDG_CACHE_HOME: '/proc/self/nonexistent' })).not.toMatch(
      /^\/proc/,
    );
    expect(privateCacheDir({ XDG_CACHE_HOME: xdg })).toBe(join(xdg, 'sre-agent', 'compile-cache'));
  });

  it('passes over a directory others can write to', async () => {
    const xdg = join(dir, 'shared');
    await mkdir(join(xdg, 'sre-agent', 'compile-cache'), { recursive: true });
    await chmod(join(xdg, 'sre-agent', 'compile-cache'), 0o777);
    const home = join(dir, 'home2');
    expect(privateCacheDir({ XDG_CACHE_HOME: xdg, HOME: home })).toBe(
      join(home, '.cache', 'sre-agent', 'compile-cache'),
    );
  });
});
