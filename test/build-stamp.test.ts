/**
 * `prepare` (run by `npm ci`, and again when npx installs this directory on a first
 * `npx sre-agent`) must not rebuild a dist/ that other processes are running from when the
 * sources have not changed.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a build script in plain JavaScript, without type declarations
import { currentStamp } from '../scripts/build-stamp.mjs';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const stampOf = currentStamp as (base?: string) => Promise<string>;

describe('prepare', () => {
  it('leaves a dist/ built from the same sources alone', async () => {
    const bundle = path.join(ROOT, 'dist', 'bundle', 'cli.js');
    const before = (await stat(bundle)).mtimeMs;
    const { stderr } = await run(process.execPath, ['scripts/prepare.mjs'], { cwd: ROOT });
    expect(stderr).toContain('dist/ is up to date with the sources; build skipped');
    expect((await stat(bundle)).mtimeMs).toBe(before);
  });

  it('sees a change to any source file, and only to the build inputs', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'sre-agent-stamp-'));
    try {
      await mkdir(path.join(base, 'src', 'agent'), { recursive: true });
      await writeFile(path.join(base, 'src', 'agent', 'run.ts'), 'export const a = 1;\n');
      await writeFile(path.join(base, 'package.json'), '{}\n');
      const first = await stampOf(base);
      await writeFile(path.join(base, 'README.md'), 'not an input\n');
      expect(await stampOf(base)).toBe(first);
      await writeFile(path.join(base, 'src', 'agent', 'run.ts'), 'export const a = 2;\n');
      expect(await stampOf(base)).not.toBe(first);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
