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
    expect(writeCodeCache(bundle)).toBeGreaterThan(0);
    expect(existsSync(codeCachePath(bundle))).toBe(true);
    const cached = requireWithCodeCache(bundle) as { where(): string; twice(n: number): number };
    expect(cached.twice(21)).toBe(42);
  });

  it('runs the current source when the cache was built from another', async () => {
    const bundle = join(dir, 'two.cjs');
    await writeFile(bundle, 'exports.answer = 1;\n');
    writeCodeCache(bundle);
    await writeFile(bundle, 'exports.answer = 2; exports.more = true;\n');
    expect(requireWithCodeCache(bundle)).toEqual({ answer: 2, more: true });
  });
});
