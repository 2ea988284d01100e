import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import type { PodLog } from '../facts.js';
import { readCommits, type CommitInfo, type PodContainer } from '../tool-data.js';
import { parseLogLine } from '../../../util/log-lines.js';
import { DATA_FILE } from './signals.js';

/** A container that ran this long before the OOM kill grew into its limit; a start-up spike is seconds. */
const SLOW_KILL_MS = 15 * 60_000;

/** What shows the memory grew over time rather than spiking at start-up. */
export interface MemoryGrowth {
  /** Hours each killed container ran before the kill, shortest first. */
  hoursBeforeKill: number[];
  /** A memory figure the application logs, first and last value read: `rssMb 118 → 509`. */
  logged?: { key: string; from: number; to: number };
}

function hoursRan(c: PodContainer): number | undefined {
  const start = Date.parse(c.lastTermination?.startedAt ?? '');
  const end = Date.parse(c.lastTermination?.finishedAt ?? '');
  return Number.isNaN(start) || Number.isNaN(end) ? undefined : (end - start) / 3600_000;
}

const MEMORY_KEY =
  /^(rss\w*|heap_?used\w*|heapUsed\w*|heap_?inuse\w*|mem\w*|memory\w*|used_?memory\w*|alloc\w*|resident\w*|working_?set\w*)$/i;

/**
 * A memory figure the logs report again and again (`"rssMb":212`, `heap_used=180MB`) that rises
 * from the first reading to the last by half or more: the process is holding on to memory.
 */
export function loggedMemoryRise(logs: readonly PodLog[]): MemoryGrowth['logged'] {
  for (const log of logs) {
    const series = new Map<string, number[]>();
    for (const raw of log.text.split('\n')) {
      const fields = numericFields(raw);
      for (const [key, value] of fields) {
        if (!MEMORY_KEY.test(key)) continue;
        const values = series.get(key) ?? [];
        values.push(value);
        series.set(key, values);
      }
    }
    for (const [key, values] of series) {
      const first = values[0];
      const last = values.at(-1);
      if (values.length < 3 || first === undefined || last === undefined || first <= 0) continue;
      const rises = values.slice(1).filter((v, i) => v >= (values[i] as number)).length;
      if (last >= first * 1.5 && rises >= (values.length - 1) * 0.6) return { key, from: first, to: last };
    }
  }
  return undefined;
}

/** `{"rssMb":212}` and `rss_mb=212` alike; the line's own structure, not its wording. */
function numericFields(raw: string): [string, number][] {
  const out: [string, number][] = [];
  const line = parseLogLine(raw);
  const text = raw.trim().startsWith('{') ? raw : line.text;
  for (const m of text.matchAll(/"?([A-Za-z_][\w.]*)"?\s*[:=]\s*"?(\d+(?:\.\d+)?)(?:\s*(?:MB|MiB|Mi|M))?"?/g))
    out.push([(m[1] as string).split('.').at(-1) as string, Number(m[2])]);
  return out;
}

/** OOM kills that came after hours of running, or logged memory that climbs: a leak, not a spike. */
export function gradualGrowth(killed: readonly PodContainer[], logs: readonly PodLog[]): MemoryGrowth | null {
  const hours = killed
    .map(hoursRan)
    .filter((h): h is number => h !== undefined)
    .sort((a, b) => a - b);
  const logged = loggedMemoryRise(logs);
  const slow = hours.length > 0 && (hours[0] as number) * 3600_000 >= SLOW_KILL_MS;
  if (!slow && !logged) return null;
  return { hoursBeforeKill: slow ? hours : [], ...(logged ? { logged } : {}) };
}

/** Added code that keeps things: a collection at module scope, inserts, caches, listeners, timers. */
const GROWTH: RegExp[] = [
  /\bnew (?:Map|Set)\s*[<(]/,
  /\bnew (?:Hash|Linked|Tree|ConcurrentHash)?(?:Map|Set|List|Dictionary)\s*<[^>]*>\s*\(/,
  /\bmake\(map\[|:?=\s*map\[\w+\]/,
  /\.(?:set|push|add|put|append|computeIfAbsent|setdefault|Add|TryAdd|unshift)\(/,
  /\bappend\(\s*\w+/,
  /^\s*[\w.]*\w\[[^\]]+\]\s*=[^=]/,
  /(?<![a-z0-9])(?:cache|memo\w*|memoi[sz]e\w*|registry|seen|history|buffer|pending)(?![a-z])/i,
  /@(?:functools\.)?(?:lru_cache\(maxsize=None\)|cache)\b/,
  /\bsetInterval\(|\.(?:on|addListener|addEventListener)\(/,
];
/** Added code that bounds what it keeps: then the growth is not unbounded. */
const BOUNDED =
  /\.(?:delete|remove|evict|clear|pop|shift|Remove|TryRemove)\(|\bmax_?(?:size|entries|items)\b|\bmaxSize\b|\bmaxEntries\b|\bttl\b|\bLRU\b|lru-cache|\bexpire|maxsize=\d|clearInterval|removeListener|\.off\(/i;
/** A container created at module (or class-static) scope outlives every request. */
const LONG_LIVED = [
  // JS/TS module scope: `const cards = new Map()`, `let seen = {}`
  /^(?:export\s+)?(?:const|let|var)\s+\w+(?:\s*:[^=]+)?\s*=\s*(?:new (?:Map|Set)\b|\{\}|\[\])/,
  // Python module scope: `_cache = {}`, `SEEN: dict[str, X] = dict()`
  /^\w+\s*(?::\s*[^=]+)?=\s*(?:\{\}|\[\]|dict\(\)|set\(\)|defaultdict\()/,
  // Go package scope: `var sessions = map[string]*S{}`, `var buf = make([]byte, 0)`
  /^var\s+\w+\s*(?:=\s*)?(?:map\[|make\(|\[\])/,
  // Java/C#/Kotlin statics: `private static final Map<K, V> CACHE = new HashMap<>();`
  /^\s*(?:(?:private|public|protected|internal)\s+)?(?:static|companion)\b.*=\s*new\s+\w*(?:Map|Set|List|Dictionary|Cache)\b/,
];

export interface LeakSuspect {
  commit: CommitInfo;
  path: string;
  /** The added lines that keep memory, as written. */
  lines: string[];
}

interface Scored extends LeakSuspect {
  score: number;
}

/** Score one file's patch: what it adds that keeps memory, unless it also bounds it. */
export function scorePatch(patch: string): { score: number; lines: string[] } {
  const added = patch
    .split('\n')
    .filter((l) => l.startsWith('+') && !l.startsWith('+++'))
    .map((l) => l.slice(1));
  const code = added.filter((l) => l.trim() && !/^\s*(\/\/|#|\*|\/\*|--)/.test(l));
  if (code.some((l) => BOUNDED.test(l))) return { score: 0, lines: [] };
  const lines: string[] = [];
  let score = 0;
  for (const line of code) {
    const hits =
      GROWTH.filter((re) => re.test(line)).length + (LONG_LIVED.some((re) => re.test(line)) ? 2 : 0);
    if (!hits) continue;
    score += hits;
    lines.push(line.trim());
  }
  return { score, lines };
}

const KEEPING_MESSAGE =
  /\b(cache|caching|memoi[sz]e|buffer|keep|retain|remember|listener|subscribe|in[- ]memory|pool)/i;

const SOURCE = /\.(ts|tsx|js|mjs|cjs|py|go|java|kt|scala|cs|rb|php|rs|ex|exs|cpp|cc|c|h)$/i;
const NOT_APP = /(^|\/)(test|tests|__tests__|spec|docs?)\/|\.(test|spec)\.\w+$|_test\.go$/i;

/**
 * The recent commit whose added source lines keep memory without a bound: a module-level Map a
 * request fills, a listener added per call. Only commits made before the running pods started can
 * be in them; among those, the strongest signal wins and the newest breaks a tie.
 */
export async function leakCommit(ctx: EngineContext, runningSince?: string): Promise<LeakSuspect | null> {
  const names = ctx.tools.toolNames();
  const list = toolFor('listCommits', names);
  const get = toolFor('getCommit', names);
  if (!list || !get) return null;
  const since = new Date(ctx.now.getTime() - 21 * 24 * 3600_000).toISOString();
  const listed = await ctx.tools.call(list, { since, limit: 15 });
  if (!listed.ok) return null;
  const cutoff = Date.parse(runningSince ?? '');
  const commits = readCommits(listed.structured).filter(
    (c) =>
      Number.isNaN(cutoff) || Number.isNaN(Date.parse(c.date ?? '')) || Date.parse(c.date ?? '') <= cutoff,
  );
  let best: Scored | null = null;
  for (const commit of commits.slice(0, 10)) {
    // A message that says the commit keeps things (a cache, a buffer, listeners) backs the diff up.
    const said = KEEPING_MESSAGE.test(commit.message ?? '') ? 1 : 0;
    const outcome = await ctx.tools.call(get, { sha: commit.sha });
    if (!outcome.ok) continue;
    const files = Array.isArray(outcome.structured?.files) ? outcome.structured.files : [];
    for (const f of files as Record<string, unknown>[]) {
      const path = typeof f.path === 'string' ? f.path : typeof f.filename === 'string' ? f.filename : '';
      const patch = typeof f.patch === 'string' ? f.patch : '';
      if (!SOURCE.test(path) || NOT_APP.test(path) || DATA_FILE.test(path)) continue;
      const scored = scorePatch(patch);
      const score = scored.score ? scored.score + said : 0;
      if (score >= 4 && (!best || score > best.score)) best = { commit, path, lines: scored.lines, score };
    }
  }
  return best ? { commit: best.commit, path: best.path, lines: best.lines.slice(0, 3) } : null;
}
