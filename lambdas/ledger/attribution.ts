import type { Attribution, AttributionSource, Book, PurchaseRecord } from './book';

/**
 * Who a customer's purchases are credited to, from the candidates in the book: the customer's own
 * record (set from customer metadata or a lead) and what each purchase's evidence decided. The
 * earliest candidate wins and sticks — earliest by Stripe's clock, not by arrival — and it applies
 * to the purchases made from its time on, never to earlier ones. So a renewal that arrives before
 * the first payment is credited as it would have been in order.
 */

const sourceRank: Record<AttributionSource, number> = { metadata: 0, lead: 1, coupon: 2 };

/** When a purchase took place: an invoice when paid, a payment when charged, a billing period when it starts. */
export const occurredAt = (record: PurchaseRecord): string | undefined =>
  record.invoice?.paidAt ?? record.charge?.createdAt ?? record.checkout?.completedAt ?? record.period?.startsAt;

/**
 * From when the purchase's own evidence counts: a subscription's first invoice speaks for the
 * subscription from its start, so its first billing period is credited too.
 */
const attributionTime = (record: PurchaseRecord): string | undefined => record.invoice?.since ?? occurredAt(record);

const earlier = (a: Attribution, b: Attribution): Attribution =>
  a.at !== b.at
    ? a.at < b.at
      ? a
      : b
    : sourceRank[a.source] !== sourceRank[b.source]
      ? sourceRank[a.source] < sourceRank[b.source]
        ? a
        : b
      : a.affiliateId <= b.affiliateId
        ? a
        : b;

export const candidates = (book: Book): Attribution[] => {
  const all: Attribution[] = book.prior ? [book.prior] : [];
  for (const record of Object.values(book.purchases)) {
    const at = attributionTime(record);
    if (record.candidate && at) all.push({ ...record.candidate, at });
  }
  return all;
};

/** The attribution of every purchase of the book that has happened (key → attribution or null). */
export const attributeBook = (book: Book): Map<string, Attribution | null> => {
  const all = candidates(book);
  const result = new Map<string, Attribution | null>();
  for (const [key, record] of Object.entries(book.purchases)) {
    const at = occurredAt(record);
    if (!at) continue;
    const applicable = all.filter((candidate) => candidate.at <= at);
    result.set(key, applicable.length ? applicable.reduce(earlier) : null);
  }
  return result;
};

/** The customer's attribution as the book establishes it (earliest candidate), for Tally's customer record. */
export const customerAttribution = (book: Book): Attribution | null => {
  const all = candidates(book);
  return all.length ? all.reduce(earlier) : null;
};
