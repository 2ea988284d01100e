import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

import { cachedYamlDocuments, writeYamlCache } from '../src/sandbox/yaml-cache.js';

const scenarios = fileURLToPath(new URL('../scenarios', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'yaml-cache-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the build-time YAML cache', () => {
  it('gives back exactly what parsing gives for the bundled scenario files, and nothing for other text', async () => {
    const written = await writeYamlCache(scenarios, dir);
    expect(written).toBeGreaterThan(30);
    for (const file of ['cart-service-loafers/cluster.yaml', 'cart-service-loafers/scenario.yaml']) {
      const text = await readFile(join(scenarios, file), 'utf8');
      expect(cachedYamlDocuments(text, dir)).toEqual(parseAllDocuments(text).map((d) => d.toJS() as unknown));
    }
    const edited =
      (await readFile(join(scenarios, 'cart-service-loafers/scenario.yaml'), 'utf8')) + '\n# edited\n';
    expect(cachedYamlDocuments(edited, dir)).toBeUndefined();
  });

  it('leaves out a file that does not parse cleanly', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'yaml-cache-src-'));
    try {
      await writeFile(join(broken, 'bad.yaml'), 'a: [unclosed\n');
      await writeFile(join(broken, 'good.yaml'), 'a: 1\n');
      const out = join(dir, 'only-good');
      expect(await writeYamlCache(broken, out)).toBe(1);
      expect(cachedYamlDocuments('a: [unclosed\n', out)).toBeUndefined();
      expect(cachedYamlDocuments('a: 1\n', out)).toEqual([{ a: 1 }]);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
