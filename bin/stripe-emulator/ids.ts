import { randomBytes } from 'node:crypto';

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const UPPER_ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function randomString(length: number, alphabet = ALPHANUMERIC): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/** Stripe-looking ids: `promo_1Pgc79B7WZ01zgkWNy4mn5NX` is a prefix, a `1` and 23 random characters. */
export function newId(prefix: string, length = 24): string {
  return `${prefix}_1${randomString(length - 1)}`;
}

/** Generated coupon ids and promotion codes are eight upper-case letters and digits (`Z4OV52SU`). */
export function newShortCode(): string {
  return randomString(8, UPPER_ALPHANUMERIC);
}
