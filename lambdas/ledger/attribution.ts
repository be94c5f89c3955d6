import type { Attribution, AttributionSource, PurchaseRecord } from './book';

/**
 * When purchases happened and which of two attributions is the earlier. A customer's purchases are
 * credited to the earliest attribution any of them (or Tally's customer record) gave — earliest by
 * Stripe's clock, not by arrival — from its time on, never to purchases made before it. So a
 * renewal that arrives before the first payment is credited as it would have been in order.
 */

/** The order attribution tries them in (attribution/attribution.ts): ties in time fall the same way. */
const sourceRank: Record<AttributionSource, number> = { metadata: 0, coupon: 1, lead: 2 };

/** When a purchase took place: an invoice when paid, a payment when charged, a billing period when it starts. */
export const occurredAt = (record: PurchaseRecord): string | undefined =>
  record.invoice?.paidAt ?? record.charge?.createdAt ?? record.checkout?.completedAt ?? record.period?.startsAt;

/**
 * From when the purchase's own evidence counts: a subscription's first invoice speaks for the
 * subscription from its start, so its first billing period is credited too.
 */
export const attributionTime = (record: PurchaseRecord): string | undefined => record.invoice?.since ?? occurredAt(record);

/** The earlier of two attributions; equal times fall to the stronger source, then the affiliate ID, so any order gives one answer. */
export const earlier = (a: Attribution, b: Attribution): Attribution => {
  if (a.attributedAt !== b.attributedAt) return a.attributedAt < b.attributedAt ? a : b;
  if (sourceRank[a.source] !== sourceRank[b.source]) return sourceRank[a.source] < sourceRank[b.source] ? a : b;
  return a.affiliateId <= b.affiliateId ? a : b;
};

export const earliest = (a: Attribution | null, b: Attribution | null): Attribution | null => (a && b ? earlier(a, b) : (a ?? b));

/** The candidate a purchase's own evidence decided, placed at the purchase's attribution time. */
export const candidateOf = (record: PurchaseRecord): Attribution | null => {
  const at = attributionTime(record);
  return record.candidate && at ? { ...record.candidate, attributedAt: at } : null;
};
