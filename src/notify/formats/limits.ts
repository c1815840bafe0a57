/**
 * The receivers' size limits: text clipped to a number of characters (code points, so an emoji is
 * never cut in half), and keys (PagerDuty's dedup_key, Opsgenie's alias) kept under their limit
 * deterministically, so that the resolve/close always names what the trigger/create named.
 */
import { createHash } from 'node:crypto';

/** `text` cut to at most `max` characters, ending in `…` when it was cut. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}

/** Length in characters (code points), as the services count them. */
export const charCount = (text: string): number => Array.from(text).length;

/** The incident id when it fits in `max` characters; otherwise its start and a hash of the whole, the same every time. */
export function boundedKey(id: string, max: number): string {
  if (id.length <= max) return id;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 32);
  return `${id.slice(0, max - hash.length - 1)}~${hash}`;
}
