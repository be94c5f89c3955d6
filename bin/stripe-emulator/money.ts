import type Stripe from 'stripe';

/**
 * Money as Stripe keeps it: integers in the currency's smallest unit (cents, or yen for zero-decimal
 * currencies), never floating point. Rounding is half up, to the smallest unit.
 */

/** Stripe's zero-decimal currencies: `amount: 1000` in jpy is ¥1,000. */
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

/** `amount × numerator ÷ denominator`, rounded half up, exactly (amounts and rates are non-negative integers). */
export function share(amount: number, numerator: number, denominator: number): number {
  const scaled = BigInt(amount) * BigInt(numerator);
  const divisor = BigInt(denominator);
  return Number((scaled * 2n + divisor) / (divisor * 2n));
}

/** A percentage such as `25.5` as hundredths of a percent (2550), so that shares stay integer arithmetic. */
export const percentHundredths = (percent: number): number => Math.round(percent * 100);

/**
 * Splits `total` over `weights` in proportion (largest remainder): the parts always add up to
 * `total` exactly, and equal weights get parts that differ by at most one unit, earlier ones first.
 */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((acc, weight) => acc + weight, 0);
  if (sum === 0) return weights.map(() => 0);
  const exact = weights.map((weight) => (BigInt(total) * BigInt(weight)) / BigInt(sum));
  const parts = exact.map(Number);
  const remainders = weights.map((weight, i) => ({ i, rest: BigInt(total) * BigInt(weight) - (exact[i] as bigint) * BigInt(sum) }));
  remainders.sort((a, b) => (a.rest === b.rest ? a.i - b.i : a.rest > b.rest ? -1 : 1));
  let left = total - parts.reduce((acc, part) => acc + part, 0);
  for (const { i } of remainders) {
    if (left <= 0) break;
    parts[i] = (parts[i] as number) + 1;
    left -= 1;
  }
  return parts;
}

/** How Stripe writes an amount in error messages: `$15.00`, `¥1000`, `15.00 EUR`. */
export function formatAmount(amount: number, currency: string): string {
  const zeroDecimal = ZERO_DECIMAL.has(currency);
  const value = zeroDecimal ? String(amount) : (amount / 100).toFixed(2);
  if (currency === 'usd') return `$${value}`;
  if (currency === 'jpy') return `¥${value}`;
  return `${value} ${currency.toUpperCase()}`;
}

/**
 * Decimal fields (`unit_amount_decimal`) travel as strings; the SDK turns them into its `Decimal`
 * class on arrival, which is what its types describe.
 */
export const wireDecimal = (value: number): Stripe.Decimal => String(value) as unknown as Stripe.Decimal;
