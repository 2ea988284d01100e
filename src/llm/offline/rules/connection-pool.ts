import type { ChangeLink } from './recent-change.js';

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
