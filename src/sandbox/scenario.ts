import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { YAMLError, parse as parseYaml } from 'yaml';
import { ScenarioError, UsageError, errorMessage } from '../errors/errors.js';
import type { Scenario, ScenarioCommit } from './scenario-types.js';
import { resolveScenarioDate } from './relative-time.js';
import { parseClusterYaml } from './scenario-cluster.js';
import { cachedYamlDocuments } from './yaml-cache.js';
import {
  CommitFileSchema,
  ScenarioFileSchema,
  parseScenarioFile,
  yamlSyntaxError,
} from './scenario-schema.js';
import type { ScenarioFile } from './scenario-schema.js';

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseYamlFile(file: string, text: string): unknown {
  // A bundled scenario's file was parsed at build time; one document is what `parse` reads.
  const cached = cachedYamlDocuments(text);
  if (cached?.length === 1) return cached[0];
  try {
    return parseYaml(text) as unknown;
  } catch (error) {
    if (error instanceof YAMLError) throw yamlSyntaxError(file, error);
    throw new ScenarioError(file, undefined, `invalid YAML: ${errorMessage(error)}`, { cause: error });
  }
}

/** Parse and validate scenario.yaml of `dir`. */
async function readScenarioFile(dir: string): Promise<ScenarioFile> {
  if (!(await isDirectory(dir))) {
    throw new ScenarioError(dir, undefined, 'scenario directory not found');
  }
  const text = await readOptional(join(dir, 'scenario.yaml'));
  if (text === undefined) throw new ScenarioError('scenario.yaml', undefined, `not found in ${dir}`);
  return parseScenarioText(text);
}

/** Parse and validate the text of a scenario.yaml. */
function parseScenarioText(text: string): ScenarioFile {
  const data = parseYamlFile('scenario.yaml', text);
  if (data == null) throw new ScenarioError('scenario.yaml', undefined, 'file is empty');
  return parseScenarioFile('scenario.yaml', ScenarioFileSchema, data);
}

/** logs/<key>.log → {key: text}. */
async function readLogs(dir: string): Promise<Record<string, string>> {
  const logsDir = join(dir, 'logs');
  if (!(await isDirectory(logsDir))) return {};
  const logs: Record<string, string> = {};
  for (const entry of (await readdir(logsDir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.isFile() && entry.name.endsWith('.log')) {
      logs[entry.name.slice(0, -'.log'.length)] = await readFile(join(logsDir, entry.name), 'utf8');
    }
  }
  return logs;
}

/** Paths of every file under `dir`, walked by hand: recursive readdir differs across Node 20 minors. */
async function filesUnder(dir: string): Promise<string[]> {
  const paths: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) paths.push(...(await filesUnder(path)));
    else if (entry.isFile()) paths.push(path);
  }
  return paths;
}

/** Every file under repo/, keyed by its repository path with forward slashes. */
async function readRepo(dir: string): Promise<Record<string, string>> {
  const repoDir = join(dir, 'repo');
  if (!(await isDirectory(repoDir))) return {};
  const files: Record<string, string> = {};
  for (const path of (await filesUnder(repoDir)).sort()) {
    files[relative(repoDir, path).split(sep).join('/')] = await readFile(path, 'utf8');
  }
  return files;
}

async function readCommits(dir: string, now: Date): Promise<ScenarioCommit[]> {
  const file = 'commits.yaml';
  const text = await readOptional(join(dir, file));
  if (text === undefined) return [];
  const data = parseYamlFile(file, text) ?? [];
  const entries = parseScenarioFile(file, CommitFileSchema, data);
  const seen = new Set<string>();
  const commits = entries.map((entry, index): ScenarioCommit => {
    const date = resolveScenarioDate(entry.date, now);
    if (date === undefined) {
      throw new ScenarioError(
        file,
        `[${index}].date`,
        'expected an ISO 8601 date-time or a time before now like -3h or 2d ago',
      );
    }
    const sha = entry.sha.toLowerCase();
    if (seen.has(sha)) throw new ScenarioError(file, `[${index}].sha`, `duplicate sha ${sha}`);
    seen.add(sha);
    return {
      sha,
      message: entry.message,
      author: entry.author,
      date,
      files: entry.files,
      ...(entry.patches ? { patches: entry.patches } : {}),
    };
  });
  // Newest first, as GitHub lists them; a stable sort keeps the author's order for equal dates.
  return commits.sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
}

/** Catch expectations that no diagnosis could ever meet, naming the field. */
function checkExpectations(
  file: ScenarioFile,
  repoFiles: Record<string, string>,
  commits: ScenarioCommit[],
): void {
  file.expect.files.forEach((path, index) => {
    if (!(path in repoFiles)) {
      throw new ScenarioError('scenario.yaml', `expect.files[${index}]`, `${path} is not a file under repo/`);
    }
  });
  file.expect.commits.forEach((prefix, index) => {
    if (!commits.some((commit) => commit.sha.startsWith(prefix.toLowerCase()))) {
      throw new ScenarioError(
        'scenario.yaml',
        `expect.commits[${index}]`,
        `no commit in commits.yaml starts with ${prefix}`,
      );
    }
  });
}

/**
 * Load and validate a scenario directory (DESIGN.md 4.6). Any problem throws a ScenarioError
 * naming the file and the field.
 */
export async function loadScenario(dir: string): Promise<Scenario> {
  const absolute = resolve(dir);
  const file = await readScenarioFile(absolute);
  const clusterText = await readOptional(join(absolute, 'cluster.yaml'));
  if (clusterText === undefined)
    throw new ScenarioError('cluster.yaml', undefined, `not found in ${absolute}`);
  const objects = parseClusterYaml(clusterText, file.namespace);
  const now = new Date(file.now);
  const [logs, repoFiles, commits] = await Promise.all([
    readLogs(absolute),
    readRepo(absolute),
    readCommits(absolute, now),
  ]);
  checkExpectations(file, repoFiles, commits);
  return {
    name: basename(absolute),
    dir: absolute,
    title: file.title,
    service: file.service,
    namespace: file.namespace,
    repository: file.repository,
    now: now.toISOString(),
    ...(file.alert !== undefined ? { alert: file.alert } : {}),
    expect: file.expect,
    ...(file.slack ? { slack: { usergroups: file.slack.usergroups } } : {}),
    objects,
    logs,
    repoFiles,
    commits,
  };
}

/** A scenario directory as `scenarios list` shows it. */
export interface ScenarioSummary {
  name: string;
  dir: string;
  title: string;
  service: string;
}

/** The scenarios under `root` (directories holding a scenario.yaml), sorted by name. */
export async function listScenarios(root: string): Promise<ScenarioSummary[]> {
  const absolute = resolve(root);
  if (!(await isDirectory(absolute))) throw new UsageError(`scenarios directory not found: ${absolute}`);
  const entries = (await readdir(absolute, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name));
  // Read all at once (a diagnosis with --sandbox looks through every scenario), then judge them in
  // name order, so that the first bad one is the one reported, as when read one after another.
  const reads = await Promise.allSettled(
    entries.map(async (entry) => {
      const dir = join(absolute, entry.name);
      if ((await readOptional(join(dir, 'scenario.yaml'))) === undefined) return undefined;
      return readScenarioFile(dir);
    }),
  );
  const summaries: ScenarioSummary[] = [];
  for (const [index, entry] of entries.entries()) {
    const read = reads[index];
    if (read?.status === 'fulfilled') {
      if (read.value) {
        summaries.push({
          name: entry.name,
          dir: join(absolute, entry.name),
          title: read.value.title,
          service: read.value.service,
        });
      }
      continue;
    }
    throw namingScenario(entry.name, read?.reason);
  }
  return summaries;
}

/** `error` with the scenario's directory name put before the file it names: lists span several. */
function namingScenario(name: string, error: unknown): unknown {
  if (!(error instanceof ScenarioError)) return error;
  const prefix = `${error.file}${error.field ? `: ${error.field}` : ''}: `;
  const problem = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  return new ScenarioError(`${name}/${error.file}`, error.field, problem, { cause: error });
}

/** `Cart_Service`, `cart-service` and `cartservice` name the same service. */
function normaliseServiceName(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

/**
 * The directory of the first scenario (by name) under `root` whose service is `service`, or
 * undefined when none is. Only the scenario.yaml files whose text could name the service are
 * parsed and validated: every scenario is read on each `diagnose --sandbox`, and validating all
 * of them cost more than the rest of the start-up before the servers spawn. A file is passed over
 * only when its text, normalised as service names are, does not contain the wanted name. A file
 * whose service is that name must contain it, unless the name is spelt with escapes (a file
 * holding a backslash is always parsed) or holds a quote (`''` in a single-quoted scalar) or a
 * letter whose lower case depends on its neighbours (Greek sigma); the filter is used only for
 * names of ASCII letters, digits and dots, as Kubernetes names are. A broken scenario.yaml among
 * those parsed is reported as `listScenarios` reports it; one passed over is reported only when
 * nothing matches (the caller then lists every scenario).
 */
async function findScenarioOfService(root: string, service: string): Promise<string | undefined> {
  const absolute = resolve(root);
  if (!(await isDirectory(absolute))) return undefined;
  const wanted = normaliseServiceName(service);
  const filtered = /^[a-z0-9.]+$/.test(wanted);
  const names = (await readdir(absolute, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
  const texts = await Promise.all(
    names.map((name) => readOptional(join(absolute, name, 'scenario.yaml')).catch(() => undefined)),
  );
  for (const [index, name] of names.entries()) {
    const text = texts[index];
    if (text === undefined) continue;
    if (filtered && !text.includes('\\') && !normaliseServiceName(text).includes(wanted)) continue;
    let file: ScenarioFile;
    try {
      file = parseScenarioText(text);
    } catch (error) {
      throw namingScenario(name, error);
    }
    if (normaliseServiceName(file.service) === wanted) return join(absolute, name);
  }
  return undefined;
}

/**
 * The scenario directory to use: `arg` as a path to a directory or as the name of one under
 * `scenariosRoot`; without `arg`, the first scenario (by name) whose service matches `service`.
 */
export async function resolveScenarioDir(
  arg: string | undefined,
  service: string,
  scenariosRoot: string,
): Promise<string> {
  if (arg !== undefined && arg !== '') {
    if (await isDirectory(arg)) return resolve(arg);
    const named = join(resolve(scenariosRoot), arg);
    if (!arg.includes('/') && (await isDirectory(named))) return named;
  } else {
    const found = await findScenarioOfService(scenariosRoot, service);
    if (found !== undefined) return found;
  }
  const available = (await isDirectory(scenariosRoot)) ? await listScenarios(scenariosRoot) : [];
  const names = available.map((s) => `${s.name} (service ${s.service})`).join(', ') || 'none';
  if (arg !== undefined && arg !== '') {
    throw new UsageError(
      `--sandbox ${arg}: no such directory, and no scenario of that name in ${resolve(scenariosRoot)}; available: ${names}`,
    );
  }
  const wanted = normaliseServiceName(service);
  const match = available.find((s) => normaliseServiceName(s.service) === wanted);
  if (!match) throw new UsageError(`--sandbox: no scenario for service ${service}; available: ${names}`);
  return match.dir;
}
