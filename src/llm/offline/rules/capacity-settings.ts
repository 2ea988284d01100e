import type { EngineContext } from '../../engine.js';
import { at, list, str } from '../k8s-object.js';
import { recentCommitDetails, type CommitDetail } from './recent-change.js';

/**
 * How many of something run at once, as the settings that size it are named across stacks: the
 * threads of one process (Puma, Tomcat, gunicorn gthread, Sidekiq), the worker processes of a pod
 * (gunicorn/uvicorn WEB_CONCURRENCY, PHP-FPM children), a process's connection pool (ActiveRecord,
 * HikariCP, SQLAlchemy, database/sql), the pods (replicas, HPA bounds), connections kept open
 * between requests (Django's CONN_MAX_AGE), and a server's own connection limit.
 */
export type Capacity = 'threads' | 'workers' | 'pool' | 'replicas' | 'persistent' | 'limit';

export interface SettingValue<K extends string = Capacity> {
  key: string;
  kind: K;
  value: number;
  /** The line as the diff or file wrote it. */
  line: string;
}

export interface SettingChange<K extends string = Capacity> {
  key: string;
  kind: K;
  /** Undefined when the setting was added, not changed. */
  from?: number;
  to: number;
  /** The diff lines: the removed one (when there is one), then the added one. */
  lines: string[];
}

/**
 * The kind of a setting by its key. The order settles overlaps: `thread_pool` sizes threads,
 * `DATABASE_POOL` a pool, `WEB_CONCURRENCY` processes while a bare `concurrency` (Sidekiq) is threads.
 */
export function capacityOf(key: string, line = ''): Capacity | null {
  const k = key.toLowerCase();
  if (/conn_max_age|persistent/.test(k)) return 'persistent';
  // Durations and waits (`pool_timeout`, `keepalive`) size nothing.
  if (/timeout|ttl|lifetime|interval|wait|delay|seconds|_ms$|keep_?alive|idle_?time/.test(k)) return null;
  if (/thread/.test(k)) return 'threads';
  // A server's limit, written as a setting (`max_connections = 100`, `-c max_connections=200`),
  // not as a client pool's method (`.max_connections(5)` in sqlx).
  if (/^(?:max_connections|max_user_connections|maxclients|max_client_conn|max-connections)$/.test(k))
    return new RegExp(`\\.${key}\\s*\\(`).test(line) ? 'pool' : 'limit';
  if (
    /pool|maxopenconns|max_?open_?conns|max[_-]?overflow|max[_-]?active|max[_-]?total|maxconnections|connection[_-]?limit|max[_-]?conn(?:ection)?s?$/.test(
      k,
    )
  )
    return 'pool';
  if (
    /web_concurrency|workers?$|worker[_-]?(?:count|processes)|processes$|max[_-]?children|num[_-]?procs/.test(
      k,
    )
  )
    return 'workers';
  if (/concurrency/.test(k)) return 'threads';
  if (/(?:^|[._-])(?:max|min)?replicas$|replicacount|replica[_-]count/.test(k)) return 'replicas';
  return null;
}

const COMMENT = /^\s*(?:#|\/\/|\/\*|\*|--\s|;)/;
/** `key: 5`, `key = 5`, `"key": 5`, `key => 5`, `KEY=5`, `key=5` inside a call's arguments. */
const PAIR = /(?:^|[\s,({[:])["']?([A-Za-z_][\w.-]*)["']?\s*(?::|=>|=)\s*["']?(\d+)(?![\w.])/g;
/** `--workers 8`, `--threads=4`, `-c max_connections=200` (the key=value form is caught by PAIR). */
const FLAG = /--([a-z][\w-]*)[= ](\d+)(?![\w.])/gi;
/** A default in code: `ENV.fetch("RAILS_MAX_THREADS") { 5 }`, `ENV.fetch("X", 5)`, `os.environ.get("X", "5")`, `getenv`. */
const ENV_DEFAULT =
  /(?:ENV\.fetch|environ\.get|getenv|env\.get|Getenv)\(\s*["'](\w+)["']\s*(?:,\s*["']?(\d+)["']?\s*\)|\)\s*\{\s*(\d+)\s*\})/g;
/** Puma's DSL: `threads 5, 16` (min, max) and `workers 4`. */
const PUMA_THREADS = /^\s*threads\s+\S+?\s*,\s*(\d+)\s*$/;
const PUMA_WORKERS = /^\s*workers\s+(\d+)\s*$/;
/** A setter called with a number: `db.SetMaxOpenConns(10)`, `.max_connections(5)`, `setMaximumPoolSize(20)`. */
const SETTER = /\.?([A-Za-z_]\w*)\s*\(\s*(\d+)\s*\)/g;
/** A YAML key that opens a nested mapping (`threads:` with nothing after it). */
const MAPPING_KEY = /^\s*([A-Za-z_][\w.-]*):\s*(?:#.*)?$/;
/** A Kubernetes env entry's name, whose value follows on the next line. */
const ENV_NAME = /^\s*-?\s*name:\s*["']?([A-Za-z_][\w.-]*)["']?\s*$/;

/** Names a setting's kind from its key (and the line, for keys that read two ways); null for others. */
export type Classify<K extends string> = (key: string, line: string) => K | null;

/** The settings of the kinds `classify` knows that one line of code or configuration writes. */
export function settingsIn<K extends string = Capacity>(
  text: string,
  envName?: string,
  parents?: string,
  classify: Classify<K> = capacityOf as Classify<K>,
): SettingValue<K>[] {
  if (COMMENT.test(text)) return [];
  const found: SettingValue<K>[] = [];
  const add = (key: string | undefined, value: string | undefined) => {
    if (!key || value === undefined) return;
    let named = key === 'value' && envName ? envName : key;
    let kind = classify(named, text);
    // Nested YAML names a setting by its path (`server.tomcat.threads` › `max: 200`).
    if (!kind && parents) {
      named = `${parents}.${named}`;
      kind = classify(named, text);
    }
    if (kind && !found.some((f) => f.key === named))
      found.push({ key: named, kind, value: Number(value), line: text.trim() });
  };
  const puma = PUMA_THREADS.exec(text);
  if (puma) add('threads', puma[1]);
  const pumaWorkers = PUMA_WORKERS.exec(text);
  if (pumaWorkers) add('workers', pumaWorkers[1]);
  for (const m of text.matchAll(ENV_DEFAULT)) add(m[1], m[2] ?? m[3]);
  for (const m of text.matchAll(PAIR)) add(m[1], m[2]);
  for (const m of text.matchAll(FLAG)) add(m[1], m[2]);
  for (const m of text.matchAll(SETTER)) add(m[1], m[2]);
  return found;
}

/**
 * What one file's diff did to capacity settings: the values it changed or added, and the values
 * it left as they were (context lines), which say what the changed ones now sit beside.
 */
export function settingChanges<K extends string = Capacity>(
  patch: string,
  classify: Classify<K> = capacityOf as Classify<K>,
): { changes: SettingChange<K>[]; unchanged: SettingValue<K>[] } {
  const removed = new Map<string, SettingValue<K>>();
  const added: SettingValue<K>[] = [];
  const unchanged: SettingValue<K>[] = [];
  let envName: string | undefined;
  // The YAML mapping keys above the current line, by indentation (the new side's view).
  let parents: { indent: number; key: string }[] = [];
  for (const raw of patch.split('\n')) {
    if (raw.startsWith('@@')) {
      envName = undefined;
      parents = [];
      continue;
    }
    if (raw.startsWith('+++') || raw.startsWith('---')) continue;
    const sign = raw[0] === '+' || raw[0] === '-' ? raw[0] : ' ';
    const body = raw.slice(1);
    const indent = body.length - body.trimStart().length;
    if (body.trim() && sign !== '-') parents = parents.filter((p) => p.indent < indent);
    const parent = MAPPING_KEY.exec(body);
    if (parent?.[1]) {
      if (sign !== '-') parents.push({ indent, key: parent[1] });
      continue;
    }
    const name = ENV_NAME.exec(body);
    if (name) {
      envName = name[1];
      continue;
    }
    const path = parents.filter((p) => p.indent < indent).map((p) => p.key);
    const values = settingsIn(body, envName, path.length ? path.join('.') : undefined, classify);
    // The old value's line keeps the name for the new one below it.
    if (/^\s*value:/.test(body) && sign !== '-') envName = undefined;
    for (const v of values) {
      // Changed lines keep their sign, as the evidence quotes them.
      const signed = { ...v, line: raw };
      if (sign === '-') removed.set(v.key, signed);
      else if (sign === '+') added.push(signed);
      else unchanged.push(v);
    }
  }
  const changes: SettingChange<K>[] = [];
  for (const a of added) {
    const before = removed.get(a.key);
    if (before?.value === a.value) continue;
    changes.push({
      key: a.key,
      kind: a.kind,
      ...(before ? { from: before.value } : {}),
      to: a.value,
      lines: before ? [before.line, a.line] : [a.line],
    });
  }
  return { changes, unchanged };
}

/** Whether a change gives more at once: more threads, workers, pods or kept connections; a pool or limit the other way. */
export function raises(change: SettingChange): boolean {
  // A setting newly written usually replaces a smaller default (Django keeps no connection: CONN_MAX_AGE 0).
  if (change.from === undefined) return change.kind !== 'pool' && change.kind !== 'limit' && change.to > 0;
  return change.to > change.from;
}

export interface CapacityFile {
  path: string;
  changes: SettingChange[];
  unchanged: SettingValue[];
}

export interface CapacityCommit {
  commit: CommitDetail;
  /** The files whose diffs changed such settings, the one with the most changes first. */
  files: CapacityFile[];
}

/**
 * The recent commits whose diffs changed capacity settings of the given kinds, newest first.
 * `before` drops commits made after the failure began.
 */
export async function capacityCommits(
  ctx: EngineContext,
  kinds: readonly Capacity[],
  options: { days?: number; before?: string } = {},
): Promise<CapacityCommit[]> {
  const details = await recentCommitDetails(ctx, {
    days: options.days ?? 14,
    list: 15,
    read: 12,
    keep: (c) => !options.before || !c.date || c.date <= options.before,
  });
  const found: CapacityCommit[] = [];
  for (const commit of details) {
    const files = commit.files
      .map((file) => {
        const { changes, unchanged } = settingChanges(file.patch);
        return { path: file.path, changes: changes.filter((c) => kinds.includes(c.kind)), unchanged };
      })
      .filter((f) => f.changes.length)
      .sort((a, b) => b.changes.length - a.changes.length);
    if (files.length) found.push({ commit, files });
  }
  return found;
}

/** The capacity settings of a pod's containers' env (`RAILS_MAX_THREADS=16`, `DATABASE_POOL=5`). */
export function envSettings(pod: unknown): SettingValue[] {
  const found: SettingValue[] = [];
  for (const c of list(at(pod, 'spec', 'containers')))
    for (const e of list(c.env)) {
      const name = str(e.name);
      const value = str(e.value);
      if (!name || !value || !/^\d+$/.test(value.trim())) continue;
      const kind = capacityOf(name);
      if (kind && !found.some((f) => f.key === name))
        found.push({ key: name, kind, value: Number(value), line: `${name}=${value}` });
    }
  return found;
}

/** `RAILS_MAX_THREADS 5 → 16`, or `CONN_MAX_AGE set to 600` for a setting the commit added. */
export function describeChange(change: SettingChange): string {
  return change.from === undefined
    ? `${change.key} set to ${change.to}`
    : `${change.key} ${change.from} → ${change.to}`;
}
