import type { DedupeStore, PostedNote } from './dedupe-store.js';

/**
 * Claims held in this process, forgotten after `ttlMs` (default one hour). For one process only:
 * replicas and jobs need the Kubernetes store to agree. Create it once per process (a warm Lambda's
 * invocations share it) — a store made per event remembers nothing.
 */
export function createMemoryDedupeStore(options: { ttlMs?: number; now?: () => number } = {}): DedupeStore {
  const ttlMs = options.ttlMs ?? 3_600_000;
  const now = options.now ?? Date.now;
  const claims = new Map<string, number>();
  // Notes outlive claims: an alarm may recover hours after its report.
  const notes = new Map<string, PostedNote>();
  const live = (key: string): boolean => {
    const expires = claims.get(key);
    if (expires === undefined) return false;
    if (expires > now()) return true;
    claims.delete(key);
    return false;
  };
  return {
    kind: 'memory',
    // Synchronous test-and-set: two claims in the same tick cannot both win.
    claim: (key) => {
      if (live(key)) return Promise.resolve(false);
      claims.set(key, now() + ttlMs);
      return Promise.resolve(true);
    },
    isClaimed: (key) => Promise.resolve(live(key)),
    release: (key) => {
      claims.delete(key);
      return Promise.resolve();
    },
    remember: (key, note) => {
      notes.set(key, note);
      return Promise.resolve();
    },
    recall: (key) => Promise.resolve(notes.get(key)),
  };
}
