// What the build was made from: a hash over every file the build reads. `prepare` compares it
// with dist/.build-stamp and skips a build that would produce the same dist/.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const stampFile = path.join(root, 'dist', '.build-stamp');

const inputs = [
  'src',
  'scenarios',
  'prompts',
  'scripts',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];

async function filesUnder(base, relative) {
  const absolute = path.join(base, relative);
  const entries = await readdir(absolute, { withFileTypes: true }).catch((error) => {
    if (error.code === 'ENOTDIR') return undefined;
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries === undefined) return [relative];
  const nested = await Promise.all(entries.map((entry) => filesUnder(base, path.join(relative, entry.name))));
  return nested.flat();
}

/** The hash of the build's inputs, with the Node major version (the V8 code caches depend on it). */
export async function currentStamp(base = root) {
  const files = (await Promise.all(inputs.map((input) => filesUnder(base, input)))).flat().sort();
  const hash = createHash('sha256');
  hash.update(`node ${process.versions.node.split('.')[0]}\n`);
  for (const file of files) {
    hash.update(`${file.split(path.sep).join('/')}\n`);
    hash.update(await readFile(path.join(base, file)));
  }
  return hash.digest('hex');
}
