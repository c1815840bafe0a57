/**
 * RFC 6238 TOTP for the shape servers (test code): HMAC-SHA1, 6 digits, 30 s steps, a code from the
 * step before or after is accepted too (±1 step, as real platforms allow for clock drift).
 */
import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decodes RFC 4648 base32 (case-insensitive; spaces, dashes and `=` padding ignored). */
export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = ALPHABET.indexOf(ch);
    if (index < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 4226 HOTP value for one counter. */
export function hotp(key: Buffer, counter: number, digits = 6): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac('sha1', key).update(message).digest();
  const offset = (digest[digest.length - 1] ?? 0) & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The TOTP code of `secretBase32` at `nowMs`. */
export function totpCode(secretBase32: string, nowMs: number = Date.now(), stepSeconds = 30): string {
  return hotp(base32Decode(secretBase32), Math.floor(nowMs / 1000 / stepSeconds));
}

/** True when `code` is the TOTP of the current step, or of the step before or after. */
export function verifyTotp(secretBase32: string, code: unknown, nowMs: number = Date.now(), stepSeconds = 30): boolean {
  if (typeof code !== 'string' || !/^\d{6}$/.test(code.trim())) return false;
  const key = base32Decode(secretBase32);
  const step = Math.floor(nowMs / 1000 / stepSeconds);
  for (let drift = -1; drift <= 1; drift++) {
    if (hotp(key, step + drift) === code.trim()) return true;
  }
  return false;
}
