import * as Affiliates from '../affiliates/affiliate';
import type { Mode } from '../core/mode';
import type { Money } from '../core/money';
import { keys } from '../store/keys';
import { queryPage } from '../store/query';
import { statusAt } from './status';
import type { StoredCommission } from './store';
import { addAmount, moneyList, type Totals } from './totals';

/**
 * An affiliate's balance in one mode, per currency: what is pending (in its hold period), held (a
 * dispute is open), approved (payable now), owed back after being paid (`clawbackCarried`), and
 * `owed`: what the next payout would pay in the currency — approved net of the clawback, never
 * below zero. Read from the status index, so only the affiliate's open, held and clawback
 * commissions are read, never the paid or reversed ones.
 */
export interface Balance {
  affiliateId: string;
  mode: Mode;
  pending: Money[];
  held: Money[];
  approved: Money[];
  owed: Money[];
  clawbackCarried: Money[];
}

const pageSize = 100;

const sumBucket = async (merchantId: string, mode: Mode, affiliateId: string, bucket: 'open' | 'held' | 'clawback', add: (item: StoredCommission) => void) => {
  let cursor: string | null = null;
  do {
    const page: { data: StoredCommission[]; nextCursor: string | null } = await queryPage<StoredCommission>(
      { key: keys.affiliateCommissionsByBucket(merchantId, mode, affiliateId, bucket), index: 'gsi4' },
      { limit: pageSize, ...(cursor ? { cursor } : {}) },
    );
    for (const item of page.data) add(item);
    cursor = page.nextCursor;
  } while (cursor);
};

export const balance = async (merchantId: string, mode: Mode, affiliateId: string): Promise<Balance> => {
  await Affiliates.get(merchantId, affiliateId);
  const now = new Date();
  const pending: Totals = {};
  const approved: Totals = {};
  const held: Totals = {};
  const clawback: Totals = {};
  await Promise.all([
    sumBucket(merchantId, mode, affiliateId, 'open', (item) => addAmount(statusAt(item, now) === 'approved' ? approved : pending, item.balance)),
    sumBucket(merchantId, mode, affiliateId, 'held', (item) => addAmount(held, item.balance)),
    sumBucket(merchantId, mode, affiliateId, 'clawback', (item) => addAmount(clawback, { ...item.balance, amount: -item.balance.amount })),
  ]);
  const owed: Totals = {};
  for (const [currency, amount] of Object.entries(approved)) owed[currency] = Math.max(0, amount - (clawback[currency] ?? 0));
  return {
    affiliateId,
    mode,
    pending: moneyList(pending),
    held: moneyList(held),
    approved: moneyList(approved),
    owed: moneyList(owed),
    clawbackCarried: moneyList(clawback),
  };
};
