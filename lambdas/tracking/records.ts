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

/** The latest lead with an affiliate for one e-mail (and for one Stripe customer, when given). */
export interface LeadRecord {
  affiliateId: string;
  /** How the affiliate was known: a code sent with the lead, or the visitor's referral visit. */
  via: 'code' | 'visitor';
  visitorId?: string;
  email: string;
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
 * A lead is often recorded on the page after checkout, seconds after Stripe's purchase event: a
 * lead up to this long after the purchase still counts, so the order of arrival does not decide.
 */
export const leadAfterPurchaseGraceMs = 10 * 60_000;

/**
 * Whether something tracked at `trackedAt` can be credited at `at`: no more than the cookie window
 * before it (both ends included), and no later than the grace after it.
 */
export const inCookieWindow = (trackedAt: string, at: Date, cookieWindowDays: number): boolean => {
  const tracked = Date.parse(trackedAt);
  return tracked >= at.getTime() - cookieWindowDays * dayMs && tracked <= at.getTime() + leadAfterPurchaseGraceMs;
};

/** The merchant's cookie window from its profile item, with the default for older profiles. */
export const cookieWindowDaysOf = (profile: Item | undefined): number =>
  ({ ...defaultSettings, ...(profile?.settings as object | undefined) }).cookieWindowDays;
