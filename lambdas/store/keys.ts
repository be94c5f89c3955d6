import type { Mode } from '../core/mode';

/**
 * Every key of the single table is built here and nowhere else, so the layout can be read in one
 * screen and no module concatenates key strings.
 *
 * Partitions:
 * - `MERCHANT#<id>`: the merchant's profile, settings, connections, plans, affiliates, code claims.
 * - `MERCHANT#<id>#<mode>`: the ledger and anything else that is per Stripe mode.
 * - one-item lookups (`APIKEY#…`, `TRACKINGKEY#…`, `STRIPEACCOUNT#…`) that resolve to a merchant.
 */
const join = (...parts: string[]): string => parts.join('#');

export interface Key {
  pk: string;
  sk: string;
}

/** A query over one partition, optionally narrowed to sort keys with a prefix. */
export interface KeyQuery {
  pk: string;
  skPrefix?: string;
}

const merchantPk = (merchantId: string) => join('MERCHANT', merchantId);
// Per-mode partitions (ledger, stats, jobs) are added beside the modules that need them:
// join('MERCHANT', merchantId, mode).

/** Codes are unique per merchant regardless of case, like Stripe's promotion codes. */
export type CodeKind = 'referral' | 'coupon' | 'email';
const normalizeCode = (code: string) => code.toLowerCase();

export const keys = {
  merchant: (merchantId: string): Key => ({ pk: merchantPk(merchantId), sk: 'PROFILE' }),
  /** gsi1 entry of a merchant with auto-sync on: the scheduled drift repair reads this list. */
  autoSyncMerchant: (merchantId: string) => ({ gsi1pk: 'AUTOSYNC', gsi1sk: merchantId }),
  autoSyncMerchants: (): KeyQuery => ({ pk: 'AUTOSYNC' }),
  apiKey: (keyHash: string): Key => ({ pk: join('APIKEY', keyHash), sk: 'APIKEY' }),
  trackingKey: (trackingKey: string): Key => ({ pk: join('TRACKINGKEY', trackingKey), sk: 'TRACKINGKEY' }),

  /** Single-use OAuth state nonce, with a TTL. */
  oauthState: (nonce: string): Key => ({ pk: join('OAUTHSTATE', nonce), sk: 'OAUTHSTATE' }),
  /** Marker that a Stripe event's effect is stored; written in the same transaction as the effect. */
  stripeEvent: (eventId: string): Key => ({ pk: join('STRIPEEVENT', eventId), sk: 'EVENT' }),
  /** Claim on a Stripe account: one merchant per account and mode. */
  stripeAccount: (mode: Mode, accountId: string): Key => ({ pk: join('STRIPEACCOUNT', mode, accountId), sk: 'ACCOUNT' }),

  plan: (merchantId: string, planId: string): Key => ({ pk: merchantPk(merchantId), sk: join('PLAN', planId) }),
  plans: (merchantId: string): KeyQuery => ({ pk: merchantPk(merchantId), skPrefix: 'PLAN#' }),

  affiliate: (merchantId: string, affiliateId: string): Key => ({
    pk: merchantPk(merchantId),
    sk: join('AFFILIATE', affiliateId),
  }),
  affiliates: (merchantId: string): KeyQuery => ({ pk: merchantPk(merchantId), skPrefix: 'AFFILIATE#' }),
  /** Claim that keeps a referral code, coupon code or e-mail unique within a merchant. */
  affiliateCode: (merchantId: string, kind: CodeKind, code: string): Key => ({
    pk: merchantPk(merchantId),
    sk: join('CODE', kind, normalizeCode(code)),
  }),
};
