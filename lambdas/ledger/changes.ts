import type { Mode } from '../core/mode';
import type { StatsDelta } from '../stats/counters';
import type { SubscriptionFacts } from './book';
import type { DerivedLedger } from './derive';

/**
 * A purchase's whole figures for the stats: its sale on its day, each settled refund on its day,
 * and its commission's lines by what they are about (earned, a refund, a dispute) as earned or
 * reversed on the line's day — a refund that failed nets to nothing. Paid lines are not figures: a
 * payout moves money, not value. Counters move by the difference of the figures before and after a
 * change (`countStatsChange`), so they equal what the ledger shows whatever order the events came
 * in: facts that arrive twice count nothing, and a correction (a late first payment that takes a
 * renewal's commission away, a sale credited once its Checkout Session is known) moves the figures
 * instead of piling up. The stats rebuild sums these over every purchase.
 */
export const purchaseStats = (derived: DerivedLedger, scope: { merchantId: string; mode: Mode }): StatsDelta[] => {
  const figures: StatsDelta[] = [];
  const figure = (at: string, fields: Omit<StatsDelta, 'merchantId' | 'mode' | 'at'>) => figures.push({ ...scope, at, ...fields });
  const money = (amount: number, currency: string) => ({ amount, currency });
  const { purchase, commission } = derived;
  if (purchase) {
    const { affiliateId, currency } = purchase;
    figure(purchase.occurredAt, { affiliateId, sales: { count: 1, amount: money(purchase.total, currency) } });
    for (const refund of Object.values(purchase.settledRefunds)) figure(refund.at, { affiliateId, refunds: { count: 1, amount: money(refund.amount, currency) } });
  }
  if (commission) {
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
  return figures;
};

/** A customer's cancellations: each ended subscription once, on the day it ended. */
export const cancellationStats = (subscriptions: Record<string, SubscriptionFacts>, scope: { merchantId: string; mode: Mode }): StatsDelta[] =>
  Object.values(subscriptions).flatMap((subscription) => (subscription.endedAt ? [{ ...scope, at: subscription.endedAt, cancellations: 1 }] : []));
