import type { FeedItem } from './types.js';
import { renderCard, type RenderedCard } from './render-card.js';

/**
 * Rendered cards, so that a viewer paging through the feed does not pay for the same markdown and
 * image-variant work twice. Keyed by viewer, item and item version: a new version renders anew.
 */
const cards = new Map<string, RenderedCard>();

export function cachedCard(viewerId: string, item: FeedItem, locale: string): RenderedCard {
  const key = `${viewerId}:${item.id}:${item.version}:${locale}`;
  const hit = cards.get(key);
  if (hit) return hit;
  const card = renderCard(item, locale);
  cards.set(key, card);
  return card;
}

/** For the runtime stats line. */
export function cachedCardCount(): number {
  return cards.size;
}
