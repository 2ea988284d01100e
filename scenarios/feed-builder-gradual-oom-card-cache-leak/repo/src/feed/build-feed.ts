import { cachedCard } from './card-cache.js';
import { rank } from './rank.js';
import type { ContentClient } from '../content-client.js';
import type { RenderedCard } from './render-card.js';

export interface FeedRequest {
  viewerId: string;
  locale: string;
  limit: number;
  cursor?: string;
}

export async function buildFeed(content: ContentClient, req: FeedRequest): Promise<{ cards: RenderedCard[]; next?: string }> {
  const candidates = await content.candidates(req.viewerId, { cursor: req.cursor, limit: req.limit * 3 });
  const ranked = rank(candidates.items, Date.now()).slice(0, req.limit);
  return {
    cards: ranked.map((item) => cachedCard(req.viewerId, item, req.locale)),
    next: candidates.next,
  };
}
