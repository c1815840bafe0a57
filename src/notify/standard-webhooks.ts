/**
 * Standard Webhooks signing (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
 * `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256
 * of "id.timestamp.body">`, keyed by the base64 secret after its `whsec_` prefix.
 */
import { createHmac } from 'node:crypto';

const PREFIX = 'whsec_';
/** The spec asks for secrets of 24 to 64 bytes. */
export const STANDARD_SECRET_BYTES = { min: 24, max: 64 } as const;

/** The key a `whsec_<base64>` secret stands for, or undefined when it is not one. */
export function standardWebhookKey(secret: string): Buffer | undefined {
  if (!secret.startsWith(PREFIX)) return undefined;
  const b64 = secret.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  const key = Buffer.from(b64, 'base64');
  return key.length >= STANDARD_SECRET_BYTES.min && key.length <= STANDARD_SECRET_BYTES.max ? key : undefined;
}

export function standardWebhookHeaders(secret: string, id: string, now: number, body: string): Record<string, string> {
  const key = standardWebhookKey(secret);
  if (!key) throw new Error('not a whsec_ secret'); // refused at config load: never reached
  const timestamp = String(Math.floor(now / 1000));
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
