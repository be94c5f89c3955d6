import { addMonths, applyBasisPoints } from './arithmetic';
import type { PlanTerms, PurchaseLine } from './book';
import { formatBasisPoints, formatMoney } from './format';

/** The lines a plan pays on: all of them, or only those whose product is one of its SKUs. */
export const commissionableLines = (lines: readonly PurchaseLine[], plan: Pick<PlanTerms, 'paymentFor' | 'lineItemSkus'>): PurchaseLine[] =>
  plan.paymentFor === 'all' ? [...lines] : lines.filter((line) => line.productId !== null && plan.lineItemSkus.includes(line.productId));

export const sumLines = (lines: readonly PurchaseLine[]): number => lines.reduce((sum, line) => sum + line.amount, 0);

/** Where a payment stands among the customer's commissioned payments (recurring rules). */
export interface RecurringPosition {
  /** The customer's first commissioned payment: the first paid purchase credited to an affiliate. */
  firstAt: Date;
  isFirst: boolean;
  at: Date;
}

/** Why a recurring rule leaves a payment out, or null when it counts. */
export const recurringExclusion = (recurring: PlanTerms['recurring'], position: RecurringPosition): string | null => {
  if (recurring === 'all') return null;
  if (recurring === 'first') return position.isFirst ? null : 'the plan pays on the first payment only';
  const end = addMonths(position.firstAt, recurring.months);
  return position.at < end ? null : `the plan pays for the first ${recurring.months} month(s) from the first payment`;
};

export interface PurchaseForCommission {
  total: number;
  currency: string;
  lines: readonly PurchaseLine[];
  /** Set when the purchase belongs to a subscription that ended before it (a cancellation ends recurring commissions). */
  afterSubscriptionEnded: boolean;
  /** Set when the customer is the affiliate themself. */
  selfReferral?: boolean;
  position: RecurringPosition;
}

export type Earning = { earned: true; amount: number; base: number; reason: string } | { earned: false; base: number; reason: string };

const none = (base: number, reason: string): Earning => ({ earned: false, base, reason });

/**
 * What an affiliate earns on one purchase under the terms it had then. Every "no" says why, so a
 * purchase never earns nothing silently. A flat rate in another currency than the purchase earns
 * nothing rather than a guessed exchange rate.
 */
/** The affiliate's standing and the plan version a purchase's terms name. */
export interface EarningTerms {
  affiliateActive: boolean;
  plan: PlanTerms | null;
}

export const earn = (purchase: PurchaseForCommission, terms: EarningTerms): Earning => {
  const allLines = sumLines(purchase.lines);
  if (purchase.total <= 0) return none(0, 'nothing was paid');
  if (!terms.affiliateActive) return none(allLines, 'the affiliate is archived');
  if (purchase.selfReferral) return none(allLines, 'self_referral: the customer is the affiliate themself');
  const plan = terms.plan;
  if (!plan) return none(allLines, 'no commission plan applies: the affiliate has none and the merchant has no default');
  const base = sumLines(commissionableLines(purchase.lines, plan));
  if (purchase.afterSubscriptionEnded) return none(base, 'the subscription had been canceled');
  const recurring = recurringExclusion(plan.recurring, purchase.position);
  if (recurring) return none(base, recurring);
  if (base <= 0) return none(0, plan.paymentFor === 'line_items' ? "no line is one of the plan's products" : 'nothing commissionable was paid');

  if ('percentBps' in plan.rate) {
    const amount = applyBasisPoints(base, plan.rate.percentBps);
    const what = `${formatBasisPoints(plan.rate.percentBps)} of ${formatMoney(base, purchase.currency)} (plan ${plan.name})`;
    return amount > 0 ? { earned: true, amount, base, reason: what } : none(base, `${what} rounds to zero`);
  }
  const flat = plan.rate.flat;
  if (flat.currency !== purchase.currency)
    return none(base, `the plan's flat rate is in ${flat.currency.toUpperCase()} and the purchase in ${purchase.currency.toUpperCase()}; no exchange rate is guessed`);
  return { earned: true, amount: flat.amount, base, reason: `flat ${formatMoney(flat.amount, flat.currency)} (plan ${plan.name})` };
};
