import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { codeCachePath, requireWithCodeCache, writeCodeCache } from '../src/util/code-cache.js';

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
