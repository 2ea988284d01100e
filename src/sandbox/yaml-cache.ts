import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';

/**
 * The documents of the bundled scenarios' YAML files, parsed at build time. Parsing YAML in a
 * fresh process is slow (the parser's code is cold): a sandbox diagnosis spent more time reading
 * its scenario than diagnosing it. Entries are keyed by the SHA-256 of the file's text, so an
 * edited file, or any scenario directory of the user's, is simply parsed again. The cache lives
 * in dist/ (dist/yaml-cache/, the same depth from dist/sandbox/ and dist/bundle/) and is written
 * by the build only.
 */
const cacheDir = fileURLToPath(new URL('../yaml-cache/', import.meta.url));

const keyOf = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The plain values of `text`'s documents as parsed at build time; undefined when not cached. */
export function cachedYamlDocuments(text: string, dir = cacheDir): unknown[] | undefined {
  try {
    const cached = JSON.parse(readFileSync(join(dir, `${keyOf(text)}.json`), 'utf8')) as unknown;
    return Array.isArray(cached) ? cached : undefined;
  } catch {
    // Absent (another file, or a build without the cache) or unreadable: parse the text instead.
    return undefined;
  }
}

async function yamlFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await yamlFilesUnder(full)));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

/**
 * Build step: caches every YAML file under `root` that parses without errors or warnings into
 * values that survive JSON unchanged (no dates, no special numbers). Returns how many it cached.
 */
export async function writeYamlCache(root: string, dir = cacheDir): Promise<number> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  let written = 0;
  for (const file of await yamlFilesUnder(root)) {
    const text = await readFile(file, 'utf8');
    const documents = parseAllDocuments(text);
    if (!Array.isArray(documents)) continue;
    if (documents.some((d) => d.errors.length > 0 || d.warnings.length > 0)) continue;
    const values = documents.map((d) => d.toJS() as unknown);
    const json = JSON.stringify(values);
    if (!isDeepStrictEqual(JSON.parse(json), values)) continue;
    await writeFile(join(dir, `${keyOf(text)}.json`), json);
    written++;
  }
  return written;
}
