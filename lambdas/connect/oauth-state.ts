import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { modeSchema, type Mode } from '../core/mode';

/**
 * The OAuth `state`: which merchant asked to connect which mode, a nonce, and an expiry, signed
 * with HMAC-SHA256 so Stripe's redirect cannot be forged or pointed at another merchant. Single
 * use is enforced by storing the nonce (connect/connection.ts). Pure: keys and clocks are passed in.
 */
export const stateLifetimeSeconds = 600;

const payloadSchema = z.strictObject({
  merchantId: z.string().min(1),
  mode: modeSchema,
  nonce: z.string().min(16),
  expiresAt: z.int(),
});
export type OAuthState = z.infer<typeof payloadSchema>;

const sign = (payload: string, key: string) => createHmac('sha256', key).update(payload).digest('base64url');

export const newState = (merchantId: string, mode: Mode, key: string, now: Date): { state: string; payload: OAuthState } => {
  const payload: OAuthState = {
    merchantId,
    mode,
    nonce: randomBytes(16).toString('base64url'),
    expiresAt: Math.floor(now.getTime() / 1000) + stateLifetimeSeconds,
  };
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return { state: `${encoded}.${sign(encoded, key)}`, payload };
};

export type StateProblem = 'missing' | 'malformed' | 'bad_signature' | 'expired';

/** Checks signature first (nothing unsigned is parsed), then shape, then expiry. */
export const verifyState = (
  state: string | undefined,
  key: string,
  now: Date,
): { ok: true; payload: OAuthState } | { ok: false; problem: StateProblem } => {
  if (!state) return { ok: false, problem: 'missing' };
  const [encoded, signature, extra] = state.split('.');
  if (!encoded || !signature || extra !== undefined) return { ok: false, problem: 'malformed' };
  const expected = Buffer.from(sign(encoded, key));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, problem: 'bad_signature' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  const parsed = payloadSchema.safeParse(decoded);
  if (!parsed.success) return { ok: false, problem: 'malformed' };
  if (parsed.data.expiresAt <= Math.floor(now.getTime() / 1000)) return { ok: false, problem: 'expired' };
  return { ok: true, payload: parsed.data };
};
