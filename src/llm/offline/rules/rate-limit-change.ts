import type { EngineContext } from '../../engine.js';
import { recentCommitDetails } from './recent-change.js';

/** What a client uses to pace itself: limiters, semaphores, token buckets, concurrency caps, retries with backoff. */
const LIMITER =
  /rate.?limit|limiter|governor|throttl|semaphore|token.?bucket|leaky.?bucket|max.?concurren|concurren|parallelism|pacing|\bpaced?\b|back.?off|retr(?:y|ies)|batch.?size|\bburst|\brps\b|\bqps\b|per.?second|per_sec|requests.?per|until_ready|\bworkers?\b/i;
/**
 * How many callers there are: more replicas, threads or processes each send their own requests,
 * so raising them multiplies the load on the API even when each one is paced.
 */
const CALLERS = /replicas|threads?\b|processes|\bprocs\b|\binstances\b|poll.?interval|interval|\bdelay\b/i;
/** Settings a smaller value of which loosens the pacing (fewer retries, shorter waits). */
const LOWER_LOOSENS = /retr|back.?off|delay|interval|wait|sleep|cooldown/i;
/** Settings a larger value of which loosens it (more at once, more per second, more callers). */
const HIGHER_LOOSENS =
  /concurren|parallel|workers?|rps|qps|rate|burst|batch|limit|per.?sec|pool|inflight|in.?flight|replicas|threads?|processes|procs|instances/i;
const COMMENT = /^[+-]\s*(#|\/\/|\/\*|\*|--)/;
/** `key: 5`, `key = 5`, `"key": 5`, and YAML's Ruby-symbol keys (`:concurrency: 5`, as Sidekiq writes them). */
const SETTING = /^[+-]\s*:?["']?([A-Za-z_][\w.-]*)["']?\s*[:=]\s*["']?(\d+(?:\.\d+)?)/;
/** A cron schedule (a CronJob's, a scheduler's): `schedule: "*\/10 * * * *"`. */
const SCHEDULE =
  /^[+-]\s*:?["']?(schedule|cron)["']?\s*[:=]\s*["']?([\d*/,-]+(?:\s+[\d*/,A-Za-z-]+){4})["']?\s*$/i;

/** How many values of a cron field fire, over a field of `range` values. */
function fires(field: string, range: number): number {
  return field.split(',').reduce((n, part) => {
    const [span = '*', step = '1'] = part.split('/');
    const [from, to] = span.split('-').map(Number);
    const width = span === '*' ? range : to !== undefined && from !== undefined ? to - from + 1 : 1;
    return n + Math.max(1, Math.ceil(width / Math.max(1, Number(step) || 1)));
  }, 0);
}

/** Runs a day of a five-field cron expression (minute and hour fields; days are left out). */
export function runsPerDay(cron: string): number {
  const [minute = '*', hour = '*'] = cron.trim().split(/\s+/);
  return fires(minute, 60) * fires(hour, 24);
}

/** One setting a diff changed so that the client calls the API harder. */
export interface Raised {
  name: string;
  before: string;
  after: string;
  /** The diff's `-` and `+` lines of the setting. */
  lines: [string, string];
}

/** How much one file's diff removed or loosened the client's pacing, and the lines that show it. */
export function loosening(patch: string): { score: number; lines: string[]; raised: Raised[] } {
  const lines = patch.split('\n');
  let score = 0;
  const hits: string[] = [];
  const raised: Raised[] = [];
  const removedValues = new Map<string, { value: string; line: string }>();
  for (const line of lines) {
    const m = line.startsWith('-') ? (SETTING.exec(line) ?? SCHEDULE.exec(line)) : null;
    if (m?.[1] && m[2]) removedValues.set(m[1], { value: m[2], line });
  }
  for (const line of lines) {
    if (!/^[+-](?![+-]{2})\s*\S/.test(line)) continue;
    if (line.startsWith('-') && LIMITER.test(line)) {
      // A changed value is judged by its new line below; a limiter taken out counts here.
      const name = SETTING.exec(line)?.[1];
      const changed = name && lines.some((l) => l.startsWith('+') && SETTING.exec(l)?.[1] === name);
      if (changed) continue;
      if (COMMENT.test(line)) score += 1;
      else {
        score += 3;
        hits.push(line);
      }
      continue;
    }
    if (!line.startsWith('+')) continue;
    const schedule = SCHEDULE.exec(line);
    const setting = schedule ? null : SETTING.exec(line);
    const name = (schedule ?? setting)?.[1];
    const after = (schedule ?? setting)?.[2];
    const before = name ? removedValues.get(name) : undefined;
    if (!name || !after || !before) continue;
    const looser = schedule
      ? runsPerDay(after) > runsPerDay(before.value)
      : (LIMITER.test(name) || CALLERS.test(name)) &&
        (LOWER_LOOSENS.test(name)
          ? Number(after) < Number(before.value)
          : HIGHER_LOOSENS.test(name) && Number(after) > Number(before.value));
    if (!looser) continue;
    score += 4;
    hits.push(before.line, line);
    raised.push({ name, before: before.value.trim(), after: after.trim(), lines: [before.line, line] });
  }
  return { score, lines: hits, raised };
}

export interface LimiterChange {
  commit: { sha: string; message?: string; author?: string; date?: string };
  /** Each file of the commit that loosened the pacing, with its lines, most telling first. */
  files: { path: string; lines: string[]; raised: Raised[] }[];
}

/** The limiter's construction and use say more than the import that brought it. */
function telling(lines: string[]): string[] {
  const imports = (l: string) => /^[+-]\s*(use|import|from|require|#include|using)\b/.test(l);
  const calls = (l: string) => !imports(l) && /\(/.test(l);
  return [
    ...lines.filter(calls),
    ...lines.filter((l) => !imports(l) && !calls(l)),
    ...lines.filter(imports),
  ].slice(0, 3);
}

/**
 * The recent commit, before the first 429, whose diff removed or loosened the client's own pacing
 * or multiplied its callers (concurrency, workers, replicas, a busier schedule): the biggest
 * loosening wins, the newest on a tie.
 */
export async function limiterChange(ctx: EngineContext, before?: string): Promise<LimiterChange | null> {
  const details = await recentCommitDetails(ctx, {
    days: 30,
    list: 15,
    read: 12,
    keep: (c) => !before || !c.date || c.date <= before,
  });
  let best: (LimiterChange & { score: number }) | null = null;
  for (const detail of details) {
    const files = detail.files
      .map((f) => ({ path: f.path, ...loosening(f.patch) }))
      .filter((f) => f.lines.length)
      .sort((a, b) => b.score - a.score);
    const total = files.reduce((n, f) => n + f.score, 0);
    if (!files.length || total < 3 || (best && best.score >= total)) continue;
    best = {
      commit: detail,
      files: files.map((f) => ({
        path: f.path,
        lines: f.raised.length ? [...new Set(f.lines)].slice(0, 4) : telling(f.lines),
        raised: f.raised,
      })),
      score: total,
    };
  }
  return best;
}
