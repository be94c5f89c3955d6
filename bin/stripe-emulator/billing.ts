import type Stripe from 'stripe';
import { allocate, percentHundredths, share } from './money';

/** One line of a purchase: what it costs before discounts and tax. */
export interface PricedLine {
  product: string;
  /** Unit amount × quantity, in the currency's smallest unit. */
  amount: number;
}

/** A coupon applied to a purchase, under the id that names it there (a Discount's `di_…`). */
export interface AppliedCoupon {
  discount: string;
  coupon: Stripe.Coupon;
}

export interface DiscountAmount {
  discount: string;
  amount: number;
}

export interface LineTotals {
  subtotal: number;
  discounts: DiscountAmount[];
  discountTotal: number;
  /** What the tax is computed on: the subtotal less discounts. */
  taxable: number;
  tax: number;
}

export interface PurchaseTotals {
  lines: LineTotals[];
  subtotal: number;
  discounts: DiscountAmount[];
  discountTotal: number;
  tax: number;
  totalExcludingTax: number;
  total: number;
}

const appliesTo = (coupon: Stripe.Coupon, line: PricedLine) => !coupon.applies_to?.products || coupon.applies_to.products.includes(line.product);

/**
 * The amounts of a purchase: each coupon in turn takes its share of what is left of the lines it applies
 * to (a percentage of each line, rounded half up; a fixed amount spread over the lines in proportion,
 * never more than they cost), then exclusive tax at `taxBps` is added per line on what is left. Line
 * amounts always add up to the totals.
 */
export function computeTotals(lines: PricedLine[], coupons: AppliedCoupon[], taxBps: number | null): PurchaseTotals {
  const left = lines.map((line) => line.amount);
  const perLine: DiscountAmount[][] = lines.map(() => []);
  for (const { discount, coupon } of coupons) {
    const eligible = lines.map((line, i) => (appliesTo(coupon, line) ? i : -1)).filter((i) => i >= 0);
    const amounts = new Map<number, number>();
    if (coupon.percent_off !== null) {
      for (const i of eligible) amounts.set(i, share(left[i] as number, percentHundredths(coupon.percent_off), 10_000));
    } else {
      const weights = eligible.map((i) => left[i] as number);
      const cap = Math.min(coupon.amount_off ?? 0, weights.reduce((acc, weight) => acc + weight, 0));
      allocate(cap, weights).forEach((amount, k) => amounts.set(eligible[k] as number, amount));
    }
    // Every line lists every discount, with 0 where the coupon does not apply.
    lines.forEach((_line, i) => {
      const amount = amounts.get(i) ?? 0;
      left[i] = (left[i] as number) - amount;
      perLine[i]?.push({ discount, amount });
    });
  }
  const lineTotals = lines.map((line, i): LineTotals => {
    const discounts = perLine[i] ?? [];
    const discountTotal = discounts.reduce((acc, entry) => acc + entry.amount, 0);
    const taxable = line.amount - discountTotal;
    return { subtotal: line.amount, discounts, discountTotal, taxable, tax: taxBps === null ? 0 : share(taxable, taxBps, 10_000) };
  });
  const sum = (pick: (line: LineTotals) => number) => lineTotals.reduce((acc, line) => acc + pick(line), 0);
  const discounts = coupons.map(({ discount }, k) => ({ discount, amount: sum((line) => line.discounts[k]?.amount ?? 0) }));
  const subtotal = sum((line) => line.subtotal);
  const discountTotal = sum((line) => line.discountTotal);
  const tax = sum((line) => line.tax);
  return { lines: lineTotals, subtotal, discounts, discountTotal, tax, totalExcludingTax: subtotal - discountTotal, total: subtotal - discountTotal + tax };
}
