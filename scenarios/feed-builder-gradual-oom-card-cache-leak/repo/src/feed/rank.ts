import type { FeedItem } from './types.js';

const HALF_LIFE_MS = 18 * 3600_000;

/** Engagement decayed by age: a day-old hit still beats a fresh item nobody touched. */
export function rank(items: FeedItem[], now: number): FeedItem[] {
  const score = (i: FeedItem) => (i.likes + 3 * i.shares + 1) * Math.pow(0.5, (now - i.publishedAt) / HALF_LIFE_MS);
  return [...items].sort((a, b) => score(b) - score(a));
}
