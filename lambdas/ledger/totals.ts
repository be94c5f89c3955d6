import { exactSum, type Money } from '../core/money';

/** Sums of money per currency, exact (core/money.ts `exactSum`). */
export type Totals = Record<string, number>;

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
