import type { Mode } from '../core/mode';
import type { StatsDelta } from '../stats/counters';
import { sameFacts } from './book';
import type { DerivedBook, DerivedCommission, DerivedPurchase } from './derive';

/**
 * What a change did to a book's ledger, found by deriving it before and after: the projections to
 * rewrite or remove (the purchase and commission items the API lists), and the ledger's figures
 * for the stats. The counters move by the difference of the figures before and after
 * (`countStatsChange`), so they equal what the ledger shows whatever order the events came in:
 * facts that arrive twice count nothing, and a correction (a first payment that arrives late and
 * takes a renewal's commission away, a sale credited once its Checkout Session is known) moves the
 * figures instead of piling up.
 */
export interface LedgerChanges {
  purchases: { put: DerivedPurchase[]; remove: DerivedPurchase[] };
  commissions: { put: DerivedCommission[]; remove: DerivedCommission[] };
}

const diffMaps = <T>(before: Map<string, T>, after: Map<string, T>) => ({
  put: [...after].filter(([key, value]) => !sameFacts(before.get(key), value)).map(([, value]) => value),
  remove: [...before].filter(([key]) => !after.has(key)).map(([, value]) => value),
});

export const ledgerChanges = (before: DerivedBook, after: DerivedBook): LedgerChanges => ({
  purchases: diffMaps(before.purchases, after.purchases),
  commissions: diffMaps(before.commissions, after.commissions),
});

const money = (amount: number, currency: string) => ({ amount, currency });

/**
 * A book's whole figures: each purchase a sale on its day, each settled refund on its day, each
 * ended subscription a cancellation, and each commission's lines by what they are about (earned,
 * a refund, a dispute) as earned or reversed on the line's day — a refund that failed nets to
 * nothing. Paid lines are not figures: a payout moves money, not value. The stats rebuild sums
 * these over every book.
 */
export const ledgerStats = (book: DerivedBook, scope: { merchantId: string; mode: Mode }): StatsDelta[] => {
  const figures: StatsDelta[] = [];
  const figure = (at: string, fields: Omit<StatsDelta, 'merchantId' | 'mode' | 'at'>) => figures.push({ ...scope, at, ...fields });

  for (const purchase of book.purchases.values()) {
    const { affiliateId, currency } = purchase;
    figure(purchase.occurredAt, { affiliateId, sales: { count: 1, amount: money(purchase.total, currency) } });
    for (const refund of Object.values(purchase.settledRefunds)) figure(refund.at, { affiliateId, refunds: { count: 1, amount: money(refund.amount, currency) } });
  }
  for (const commission of book.commissions.values()) {
    const byRef = new Map<string, { amount: number; at: string }>();
    for (const line of commission.ledger.lines) {
      if (line.type === 'paid') continue;
      const entry = byRef.get(line.ref) ?? { amount: 0, at: line.at };
      entry.amount += line.amount;
      byRef.set(line.ref, entry);
    }
    for (const { amount, at } of byRef.values()) {
      if (amount === 0) continue;
      const value = money(Math.abs(amount), commission.currency);
      figure(at, { affiliateId: commission.affiliateId, ...(amount > 0 ? { commissionsEarned: value } : { commissionsReversed: value }) });
    }
  }
  for (const endedAt of book.cancellations.values()) figure(endedAt, { cancellations: 1 });
  return figures;
};
