import { readObject } from '../cluster-read.js';
import { quote } from '../quote.js';
import { suspectOf } from '../tool-data.js';
import {
  capacityCommits,
  describeChange,
  envSettings,
  raises,
  type CapacityCommit,
  type CapacityFile,
  type SettingChange,
} from './capacity-settings.js';
import { loggedMatches } from './logged.js';
import { recentCommitDetails, showLine, type ChangeLink } from './recent-change.js';
import { POOL_EXHAUSTED } from './signals.js';
import { times, type Rule } from './verdict.js';
import type { ServiceFacts } from '../facts.js';

/**
 * Lines that give a pooled connection back: a context manager or try-with-resources around the
 * session, an explicit close/release/dispose, a deferred Close in Go, a `using` block in C#.
 */
const RELEASES =
  /\bwith\s+[\w.]+\([^)]*\)(?:\.begin\(\))?\s+as\s+\w+\s*:|\.close\(\)|\.release\(\)|\.dispose\(\)|\bfinally\s*[:{]|\bdefer\s+\w+\.Close\(\)|\btry\s*\(|\busing\s*\(|\bawait using\b/;

/** Removed lines (`-…`) of a patch that released a connection, with no added line doing so in their place. */
function releasesRemoved(patch: string | undefined, lines: readonly string[]): string[] {
  const all = patch ? patch.split('\n') : [...lines];
  const removed = all.filter((l) => l.startsWith('-') && !l.startsWith('---') && RELEASES.test(l));
  const added = all.filter((l) => l.startsWith('+') && !l.startsWith('+++') && RELEASES.test(l));
  return removed.length > added.length ? removed.map((l) => l.slice(1).trim()) : [];
}

/**
 * What an exhausted client-side pool means. Every connection is checked out and the wait for
 * one times out inside the process: connections are taken and not given back (a session or
 * connection never closed), or the pool is too small for the load. A change that removed the
 * code closing them settles which.
 */
export function poolLeakNote(
  message: string,
  change: ChangeLink | null,
  file: string | undefined,
): { statement: string; fix: string } {
  const size = message.match(/QueuePool limit of size (\d+) overflow (-?\d+)/);
  const pool = size ? `the connection pool (size ${size[1]}, overflow ${size[2]})` : 'the connection pool';
  const removed = change ? releasesRemoved(change.patch, change.lines) : [];
  const where = file ?? change?.files[0];
  if (removed.length && change) {
    const sha = change.commit.sha.slice(0, 7);
    return {
      statement: `${capital(pool)} is exhausted: connections are checked out and never returned, a connection leak. Commit ${sha} removed the code that closed each session (\`${removed[0]}\`${removed.length > 1 ? ` and ${removed.length - 1} more` : ''})${where ? ` in ${where}` : ''}, so every request keeps its connection until the pool runs dry and later requests time out waiting.`,
      fix: `Close every session again${where ? ` in ${where}` : ''}: restore the context manager (\`${removed[0]}\`) or close the session in a finally block, as before ${sha}. Restarting the pods frees the leaked connections for a while; rolling back ${sha} stops the leak.`,
    };
  }
  return {
    statement: `${capital(pool)} is exhausted: every connection is checked out and requests time out waiting for one. Either connections are not returned (a session or connection that is never closed — a leak) or the pool is too small for the load.`,
    fix: `Check that every session or connection${where ? ` opened in ${where}` : ''} is closed (a context manager or finally block); if they are, size the pool for the concurrent load and check the database for slow queries that hold connections.`,
  };
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A client-side pool that ran dry, in more drivers' words than POOL_EXHAUSTED: ActiveRecord's
 * ConnectionTimeoutError, Knex, Prisma (P2024), Npgsql, node-postgres, Sequelize, Jedis, and
 * Hibernate wrapping HikariCP.
 */
const POOL_TIMEOUT = new RegExp(
  [
    POOL_EXHAUSTED.source,
    'could not obtain a (?:database )?connection (?:from the pool )?within',
    'all pooled connections were in use',
    'ActiveRecord::ConnectionTimeoutError',
    'Timeout acquiring a connection\\. The pool is probably full',
    'Timed out fetching a new connection from the connection pool',
    'connection pool has been exhausted',
    'timeout exceeded when trying to connect',
    'ConnectionAcquireTimeoutError',
    'Could not get a resource from the pool',
  ].join('|'),
  'i',
);

/** The pool's size as the error states it: SQLAlchemy's size + overflow, HikariCP's total, Npgsql's and Prisma's limit. */
function poolSizeSaid(text: string): number | undefined {
  const queue = /QueuePool limit of size (\d+) overflow (\d+)/.exec(text);
  if (queue) return Number(queue[1]) + Number(queue[2]);
  const figure =
    /\(total=(\d+), active=\d+/.exec(text) ??
    /'Max Pool Size' \(currently (\d+)\)/.exec(text) ??
    /connection limit: (\d+)/.exec(text);
  return figure ? Number(figure[1]) : undefined;
}

interface Sized {
  value: number;
  /** Where the figure comes from: `RAILS_MAX_THREADS=16`, `Puma's "Max threads: 16"`. */
  said: string;
  key?: string;
}

interface Timeouts {
  top: { sample: string; count: number; pod: string };
  total: number;
  /** Every matching message, for the sizes they state. */
  said: string;
  firstAt?: string;
}

/**
 * The pool timeouts in the logs, at least two: from the error signatures, else from the raw lines
 * (job runners such as Sidekiq log a job's exception at WARN, which is no error signature).
 */
function poolTimeouts(facts: ServiceFacts): Timeouts | null {
  const { hits, total, top } = loggedMatches(facts, POOL_TIMEOUT);
  if (top && total >= 2)
    return {
      top: { sample: top.s.sample, count: top.s.count, pod: top.pod },
      total,
      said: hits.map((h) => `${h.s.message} ${h.s.sample}`).join('\n'),
      firstAt: hits
        .map((h) => h.s.firstAt ?? '')
        .filter(Boolean)
        .sort()[0],
    };
  const lines = facts.logs.flatMap((l) =>
    l.text
      .split('\n')
      .filter((line) => POOL_TIMEOUT.test(line))
      .map((line) => ({ line: line.trim(), pod: l.pod })),
  );
  const first = lines[0];
  if (!first || lines.length < 2) return null;
  const stamp = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/.exec(first.line)?.[0];
  return {
    top: { sample: first.line, count: lines.filter((x) => x.pod === first.pod).length, pod: first.pod },
    total: lines.length,
    said: lines.map((x) => x.line).join('\n'),
    ...(stamp ? { firstAt: stamp } : {}),
  };
}

/** The threads of one process as its server logs them at start (Puma's `Max threads: 16`). */
function threadsLogged(facts: ServiceFacts): Sized | undefined {
  for (const log of facts.logs) {
    const m = /\bmax threads:\s*(\d+)/i.exec(log.text);
    if (m) return { value: Number(m[1]), said: `"${m[0].trim()}" in the start-up log` };
  }
  return undefined;
}

/**
 * A change that raised the threads of each process (or cut its pool) to more threads than
 * connections: the newest such commit, with the pool size its diff left beside it.
 */
function poolOutgrown(
  commits: readonly CapacityCommit[],
  pool: number | undefined,
): { commit: CapacityCommit; file: CapacityFile; change: SettingChange; pool?: Sized } | null {
  for (const commit of commits)
    for (const file of commit.files) {
      const kept = file.unchanged.find((v) => v.kind === 'pool');
      const poolNow = pool ?? kept?.value;
      const change =
        file.changes.find(
          (c) => c.kind === 'threads' && raises(c) && (poolNow === undefined || c.to > poolNow),
        ) ?? file.changes.find((c) => c.kind === 'pool' && !raises(c) && c.from !== undefined);
      if (!change) continue;
      return {
        commit,
        file,
        change,
        ...(kept && pool === undefined
          ? { pool: { value: kept.value, said: `${kept.key}=${kept.value}`, key: kept.key } }
          : {}),
      };
    }
  return null;
}

/**
 * The pool is smaller than the threads that share it: each process runs more request threads
 * than it has database connections, so under load threads queue for a connection and give up
 * when the checkout wait runs out. Nothing leaks and the database is fine; the sizes disagree,
 * usually since a change raised the threads (RAILS_MAX_THREADS, Puma's max threads, Tomcat's
 * threads.max, gunicorn's threads) and left the pool where it was.
 */
export const poolUndersizedRule: Rule = async (ctx, facts) => {
  const seen = poolTimeouts(facts);
  if (!seen) return null;
  const { total, top, said } = seen;
  const pod = facts.listing.pods[0]
    ? await readObject(ctx, 'Pod', facts.listing.pods[0].name, facts.namespace)
    : null;
  const env = pod ? envSettings(pod) : [];
  const envOf = (kind: string): Sized | undefined => {
    const v = env.find((e) => e.kind === kind);
    return v ? { value: v.value, said: `${v.key}=${v.value}`, key: v.key } : undefined;
  };
  const poolFromError = poolSizeSaid(said);
  let pool: Sized | undefined =
    poolFromError !== undefined ? { value: poolFromError, said: 'as the error states' } : envOf('pool');
  const threads = envOf('threads') ?? threadsLogged(facts);
  const first = seen.firstAt;
  const outgrown = poolOutgrown(
    await capacityCommits(ctx, ['threads', 'pool'], first ? { before: toIso(first) } : {}),
    pool?.value,
  );
  pool ??= outgrown?.pool;
  // Without a change that did it, the sizes themselves must show the pool is the smaller, and
  // no recent change may have stopped giving connections back (a leak drains any pool).
  if (!outgrown && !(threads && pool && threads.value > pool.value)) return null;
  if (!outgrown && (await leakChange(ctx))) return null;
  const threadCount =
    threads?.value ?? (outgrown?.change.kind === 'threads' ? outgrown.change.to : undefined);
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: `${quote(top.sample, 300)} (${times(top.count)})`,
    ref: `pod/${top.pod}`,
  });
  if (threads || pool)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `Per process: ${threads ? `${threads.value} threads (${threads.said})` : 'threads unknown'}, ${pool ? `a pool of ${pool.value} connections (${pool.said})` : 'pool size unknown'}${pod ? ` — pod ${facts.listing.pods[0]?.name}` : ''}`,
      ...(pod ? { ref: `pod/${facts.listing.pods[0]?.name}` } : {}),
    });
  let note = '';
  if (outgrown) {
    const { commit, file, change } = outgrown;
    const sha = commit.commit.sha.slice(0, 7);
    const subject = (commit.commit.message ?? '').split('\n')[0]?.trim() ?? '';
    note = `Commit ${sha} "${subject}" (${commit.commit.author ?? 'unknown'}, ${commit.commit.date ?? ''}) ${change.kind === 'threads' ? 'raised the threads' : 'cut the pool'} in ${file.path} (${describeChange(change)}: ${change.lines.map((l) => `\`${showLine(l)}\``).join(', ')})${change.kind === 'threads' && pool ? ` and left the pool at ${pool.value}` : ''}.`;
    ctx.casebook.suspectFiles.unshift({ path: file.path });
    ctx.casebook.suspectCommits.push(suspectOf(commit.commit));
    ctx.casebook.evidence.push({ source: 'github', detail: note, ref: commit.commit.sha });
  }
  const sizes =
    threadCount !== undefined && pool
      ? `each process runs ${threadCount} threads but its connection pool holds ${pool.value}`
      : `each process runs ${threadCount ?? 'more'} threads${threadCount !== undefined ? ', more than' : ' than'} its connection pool holds`;
  const threadKey = threads?.key ?? (outgrown?.change.kind === 'threads' ? outgrown.change.key : undefined);
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s database connection pool is smaller than its threads (${sizes}): requests wait for a connection and fail after the checkout timeout (${times(total)} in recent logs).`,
    statement: `${facts.service}'s connection pool is too small for its threads: ${sizes}${pool?.key ? ` (${pool.said})` : ''}. When more requests than that need the database at once, the others wait for a free connection and fail when the wait runs out: "${quote(top.sample, 220)}". No connection leaks and the database is not at fault; the two sizes disagree.${note ? ` ${note}` : ''}`,
    confidence: outgrown && pool ? 'high' : 'medium',
    fix: `Give each process at least one connection per thread: ${
      outgrown?.change.kind === 'threads' && outgrown.change.from !== undefined
        ? `raise ${pool?.key ?? 'the pool size'}${threadCount ? ` to ${threadCount}` : ''}, or set ${outgrown.change.key} back to ${outgrown.change.from} as it was before ${outgrown.commit.commit.sha.slice(0, 7)}`
        : `raise ${pool?.key ?? 'the pool size'}${threadCount ? ` to ${threadCount}` : ''} or lower the threads`
    }. Then derive the pool size from the thread setting${threadKey ? ` (${threadKey})` : ''} so the two cannot drift apart, and check that the database's max_connections still covers replicas × processes × pool.`,
    rollback: Boolean(outgrown),
  };
};

/** Whether a recent commit removed code that gave connections back. */
async function leakChange(ctx: Parameters<Rule>[0]): Promise<boolean> {
  const details = await recentCommitDetails(ctx, { days: 14, list: 12, read: 10 });
  return details.some((d) => d.files.some((f) => releasesRemoved(f.patch, []).length > 0));
}

/** A log timestamp (`2026-12-03 14:57:22`, `2026-12-03T14:57:22.853832`) as ISO, to compare with commit dates. */
function toIso(stamp: string): string | undefined {
  const iso = stamp.trim().replace(' ', 'T');
  return /^\d{4}-\d{2}-\d{2}T/.test(iso) ? iso : undefined;
}
