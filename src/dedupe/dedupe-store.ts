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
  /**
   * Keep what was posted for `key` (the report's channel and ts), so that a later event — the
   * alarm's recovery — can reply in its thread. Never throws.
   */
  remember(key: string, note: PostedNote): Promise<void>;
  /** What was remembered for `key`, if anything. */
  recall(key: string): Promise<PostedNote | undefined>;
}

/** Where a report went and when its incident began. */
export interface PostedNote {
  channel: string;
  ts: string;
  /** When the alarm went into ALARM (ISO 8601); for an action, when it was taken. */
  since: string;
  /** For an action: the Slack user id who approved it. */
  by?: string;
}

/** A note read back from storage, or undefined when it is not one. */
export function asPostedNote(value: unknown): PostedNote | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  return typeof v.channel === 'string' && typeof v.ts === 'string' && typeof v.since === 'string'
    ? { channel: v.channel, ts: v.ts, since: v.since, ...(typeof v.by === 'string' ? { by: v.by } : {}) }
    : undefined;
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
  remember: () => Promise.resolve(),
  recall: () => Promise.resolve(undefined),
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
    remember: async (key, note) => {
      try {
        await store.remember(key, note);
      } catch (error) {
        logger.warn('dedupe store unavailable: where the report went is not remembered', {
          store: store.kind,
          key,
          error: errorMessage(error),
        });
      }
    },
    recall: async (key) => {
      try {
        return await store.recall(key);
      } catch (error) {
        logger.warn('dedupe store unavailable: where the report went cannot be read', {
          store: store.kind,
          key,
          error: errorMessage(error),
        });
        return undefined;
      }
    },
  };
}
