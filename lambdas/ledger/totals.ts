import type { Money } from '../core/money';

/**
 * Sums of money per currency. Each amount Tally accepts is at most 99,999,999 minor units, but a
 * sum of many can pass 2^53, where a Number stops being exact: sums are done in BigInt and a total
 * that no longer fits is an error, never a silently wrong figure.
 */
export type Totals = Record<string, number>;

export const exactSum = (a: number, b: number): number => {
  const sum = BigInt(a) + BigInt(b);
  if (sum > BigInt(Number.MAX_SAFE_INTEGER) || sum < -BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('A total passed the exact range of a number');
  return Number(sum);
};

export const addAmount = (totals: Totals, money: Money): Totals => {
  totals[money.currency] = exactSum(totals[money.currency] ?? 0, money.amount);
  return totals;
};

/** Per currency, in currency order, leaving out zeros. */
export const moneyList = (totals: Totals): Money[] =>
  Object.entries(totals)
    .filter(([, amount]) => amount !== 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, amount]) => ({ amount, currency }));
