import type { Money } from '../core/money';
import { addFields, amountsOf, type CounterFields, counterFieldsOf, netAmounts } from './fields';
import { daysOf, type Period } from './period';

/**
 * What the stats show for a period, a day or an affiliate. Sales are gross (refunds are their own
 * figure); commissions give what was earned, what was taken back (refunds, lost disputes,
 * adjustments), and `amounts`, the net of the two, per currency.
 */
export interface Figures {
  sales: { count: number; amounts: Money[] };
  commissions: { amounts: Money[]; earned: Money[]; reversed: Money[] };
  refunds: { count: number; amounts: Money[] };
  cancellations: number;
  visits: number;
  leads: number;
  newAffiliates: number;
}

export const figuresOf = (fields: CounterFields): Figures => {
  const earned = amountsOf(fields, 'commissionsEarned');
  const reversed = amountsOf(fields, 'commissionsReversed');
  return {
    sales: { count: fields.salesCount ?? 0, amounts: amountsOf(fields, 'salesAmount') },
    commissions: { amounts: netAmounts(earned, reversed), earned, reversed },
    refunds: { count: fields.refundsCount ?? 0, amounts: amountsOf(fields, 'refundsAmount') },
    cancellations: fields.cancellations ?? 0,
    visits: fields.visits ?? 0,
    leads: fields.leads ?? 0,
    newAffiliates: fields.newAffiliates ?? 0,
  };
};

/** A counter item as read: its bucket labels and its counters. */
export interface CounterItem extends Record<string, unknown> {
  period: string;
  affiliateId?: string;
}

/** Adds up items that share a label (a day's shards, an affiliate's days and months). */
export const sumBy = (items: CounterItem[], label: (item: CounterItem) => string | undefined): Map<string, CounterFields> => {
  const sums = new Map<string, CounterFields>();
  for (const item of items) {
    const key = label(item);
    if (key === undefined) continue;
    sums.set(key, addFields(sums.get(key) ?? {}, counterFieldsOf(item)));
  }
  return sums;
};

export type DailyFigures = { date: string } & Figures;

/** Every day of the period, quiet days included, so a chart needs no gap filling. */
export const dailySeries = (period: Period, byDay: Map<string, CounterFields>): DailyFigures[] =>
  daysOf(period).map((date) => ({ date, ...figuresOf(byDay.get(date) ?? {}) }));

export const topAffiliatesLimit = 10;

/**
 * The affiliates that sold most in the period: by sales count, then leads, then visits. Counts,
 * not amounts, because amounts in different currencies cannot be ranked without exchange rates.
 * Any affiliate with a figure in the period (a refund of an older sale, say) can appear.
 */
export const rankAffiliates = (byAffiliate: Map<string, CounterFields>, limit = topAffiliatesLimit) =>
  [...byAffiliate]
    .map(([affiliateId, fields]) => ({ affiliateId, fields }))
    .sort(
      (a, b) =>
        (b.fields.salesCount ?? 0) - (a.fields.salesCount ?? 0) ||
        (b.fields.leads ?? 0) - (a.fields.leads ?? 0) ||
        (b.fields.visits ?? 0) - (a.fields.visits ?? 0) ||
        a.affiliateId.localeCompare(b.affiliateId),
    )
    .slice(0, limit);
