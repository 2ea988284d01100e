import { createHash } from 'node:crypto';
import { errorMessage } from '../errors/errors.js';
import type { Logger } from '../util/log.js';

/**
 * Who posts for an incident delivered more than once (DESIGN.md 6: SNS and Lambda retries deliver
 * at least once). The first to claim a key posts; every later claim of it is refused.
 */
export interface DedupeStore {
  readonly kind: 'memory' | 'kubernetes' | 'off';
  /** True when this caller is the first to claim `key`; false when it was already claimed. */
  claim(key: string): Promise<boolean>;
  /** Whether `key` was claimed, without claiming it: lets a duplicate stop before diagnosing. */
  isClaimed(key: string): Promise<boolean>;
  /**
   * Give a claim back: the post it was taken for failed, and a retry of the event (Lambda's, the
   * dead-letter queue's redrive) must be free to post. Never throws.
   */
  release(key: string): Promise<void>;
}

/** The Kubernetes object name for a key: a DNS label made from its hash, stable across processes. */
export function dedupeObjectName(key: string): string {
  return `sre-agent-dedupe-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

/** A store that never refuses: dedupe turned off. */
export const noDedupe: DedupeStore = {
  kind: 'off',
  claim: () => Promise.resolve(true),
  isClaimed: () => Promise.resolve(false),
  release: () => Promise.resolve(),
};

/**
 * A store that fails open: when the backing store cannot answer, the claim succeeds with a warning.
 * Two posts of one incident are better than none.
 */
export function failOpen(store: DedupeStore, logger: Logger): DedupeStore {
  return {
    kind: store.kind,
    claim: async (key) => {
      try {
        return await store.claim(key);
      } catch (error) {
        logger.warn('dedupe store unavailable: posting without a claim', {
          store: store.kind,
          key,
          error: errorMessage(error),
        });
        return true;
      }
    },
    isClaimed: async (key) => {
      try {
        return await store.isClaimed(key);
      } catch (error) {
        logger.warn('dedupe store unavailable: diagnosing anyway', {
          store: store.kind,
          key,
          error: errorMessage(error),
        });
        return false;
      }
    },
    release: async (key) => {
      try {
        await store.release(key);
      } catch (error) {
        logger.warn('dedupe store unavailable: the claim could not be given back', {
          store: store.kind,
          key,
          error: errorMessage(error),
        });
      }
    },
  };
}
