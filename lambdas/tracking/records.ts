import { defaultSettings } from '../merchants/merchant';
import type { Item } from '../store/batch';

/**
 * What lead tracking stores, per merchant and mode (keys.visitor, keys.emailLead, keys.customerLead),
 * and the cookie-window rule that both tracking and attribution apply to it.
 */

/** A visitor's latest referral visit: the affiliate whose link brought them last ("last touch"). */
export interface VisitorRecord {
  visitorId: string;
  affiliateId: string;
  referralCode: string;
  visitedAt: string;
  landingPage?: string;
  referrer?: string;
  expiresAt: number;
}

/**
 * The lead that holds for one e-mail (and, from the merchant's server, for one Stripe customer).
 * A public lead holds from its first touch through the cookie window; a trusted one is the
 * merchant's word and replaces whatever was there.
 */
export interface LeadRecord {
  affiliateId: string;
  /** How the affiliate was known: a referral code, the visitor's referral visit, or its ID (server-side). */
  via: 'code' | 'visitor' | 'affiliate';
  /** Recorded with the merchant's API key (`POST /v1/leads`); absent for the website's public leads. */
  trusted?: true;
  visitorId?: string;
  email: string;
  /** Only on trusted leads: a public lead cannot name a Stripe customer. */
  stripeCustomerId?: string;
  leadAt: string;
  expiresAt: number;
}

const dayMs = 86_400_000;

/**
 * Tracking records live a little longer than the longest cookie window a merchant can set (365
 * days), so none disappears while it can still be credited, whatever the window is changed to.
 */
const retentionDays = 366;

export const expiresAtFor = (at: Date): number => Math.floor(at.getTime() / 1000) + retentionDays * 86_400;

/**
 * A trusted lead is often sent by the merchant's server right after checkout, racing Stripe's
 * event: one recorded up to this long after the purchase still counts. A public lead gets no such
 * grace back in time, since anyone could send one for a purchase they saw happen; it gets the grace
 * only after a customer's creation (see attribution.ts).
 */
export const leadGraceMs = 10 * 60_000;

/**
 * Whether something tracked at `trackedAt` can be credited at `at`: no more than the cookie window
 * before it (both ends included) and not after it, or no more than `graceMs` after it. Stripe stamps
 * events in whole seconds, so `at` stands for its whole second: a visit a few milliseconds before a
 * checkout may carry a later time than the checkout's stamp.
 */
export const inCookieWindow = (trackedAt: string, at: Date, cookieWindowDays: number, graceMs = 0): boolean => {
  const tracked = Date.parse(trackedAt);
  const endOfSecond = at.getTime() - (at.getTime() % 1000) + 999;
  return tracked >= at.getTime() - cookieWindowDays * dayMs && tracked <= endOfSecond + graceMs;
};

/** The merchant's cookie window from its profile item, with the default for older profiles. */
export const cookieWindowDaysOf = (profile: Item | undefined): number =>
  ({ ...defaultSettings, ...(profile?.settings as object | undefined) }).cookieWindowDays;
