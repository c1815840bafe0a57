/**
 * Feed content. Item k is published at k * itemEvery on the clock, so feeds grow on their own
 * and "age of the newest item" is meaningful; a stale feed is the same feed cut off at a moment.
 */

export interface FeedItem {
  /** Sequence number, unique per platform. */
  seq: number;
  /** Publication time, ms since the epoch. */
  createdAt: number;
  text: string;
}

const PHRASES = [
  'Live sale tonight at 8: new spring collection',
  'Restocked: handmade ceramic mugs',
  'Order cut-off for Friday shipping is noon',
  'Thank you for 10k followers!',
  'Behind the scenes at the workshop',
  'Giveaway: comment to enter',
  'Flash deal for the next hour',
  'Packing orders all afternoon',
];

export interface FeedQuery {
  /** Current clock time (ms). */
  now: number;
  itemEveryMs: number;
  /** How many items to return (newest first). */
  limit: number;
  /** Newest publication time allowed (a stale feed's freeze point); defaults to `now`. */
  until?: number;
}

export function feedItems(q: FeedQuery): FeedItem[] {
  const until = Math.min(q.now, q.until ?? q.now);
  const newest = Math.floor(until / q.itemEveryMs);
  const items: FeedItem[] = [];
  for (let seq = newest; seq > newest - q.limit && seq >= 0; seq--) {
    items.push({ seq, createdAt: seq * q.itemEveryMs, text: `${PHRASES[seq % PHRASES.length]} (#${seq})` });
  }
  return items;
}
