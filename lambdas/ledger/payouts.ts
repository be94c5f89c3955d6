import * as z from 'zod';
import * as Affiliates from '../affiliates/affiliate';
import { ConflictError, NotFoundError } from '../core/errors';
import { newId } from '../core/ids';
import type { Mode } from '../core/mode';
import type { Money } from '../core/money';
import { batchGet } from '../store/batch';
import { keys } from '../store/keys';
import { type Page, type PageRequest, queryPage } from '../store/query';
import { Transaction } from '../store/transaction';
import { writeBookChange } from './apply';
import type { Book } from './book';
import { deriveBook, type LedgerScope } from './derive';
import { type CommissionStatus, statusAt, statusFilter } from './status';
import { bookKey, readBook, type StoredCommission } from './store';

/**
 * Payouts: the merchant records that it paid an affiliate, and the approved commissions paid
 * become `paid`, each with a `paid` line of the amount it was worth. A payout is one transaction,
 * with every book it touches conditional on the version read, so it pays exactly what it checked:
 * a refund or dispute that lands at the same moment makes it check again, never pay stale amounts.
 */

/** One DynamoDB transaction holds 100 items: each commission may need its book and its own item. */
export const maxCommissionsPerPayout = 45;
const attempts = 3;

export const createPayoutInput = z
  .strictObject({
    affiliateId: z.string().min(1).max(64),
    commissionIds: z.array(z.string().min(1).max(64)).min(1).max(maxCommissionsPerPayout).optional(),
  })
  .refine((input) => new Set(input.commissionIds ?? []).size === (input.commissionIds ?? []).length, {
    message: 'commission IDs must not repeat',
    path: ['commissionIds'],
  });
export type CreatePayoutInput = z.infer<typeof createPayoutInput>;

export const listPayoutsQuery = z.object({ affiliateId: z.string().min(1).max(64).optional() });

export interface Payout {
  id: string;
  mode: Mode;
  affiliateId: string;
  commissionIds: string[];
  /** What was paid, per currency. */
  totals: Money[];
  createdAt: string;
}

type CommissionItem = StoredCommission & { bookId: string; purchaseKey: string };

const notPayable = (problems: string[]) =>
  new ConflictError('payout.commission_not_payable', `Only approved commissions can be paid: ${problems.join('; ')}.`);

const why: Record<Exclude<CommissionStatus, 'approved'>, (item: CommissionItem) => string> = {
  pending: (item) => `${item.id} is pending until ${item.availableAt} (the hold period)`,
  held: (item) => `${item.id} is held: a dispute is open`,
  reversed: (item) => `${item.id} is reversed: nothing is left to pay`,
  paid: (item) => `${item.id} is already paid`,
};

/** The commissions asked for, each the affiliate's and approved; anything else refuses the whole payout. */
const chosenCommissions = async (scope: LedgerScope, input: CreatePayoutInput, now: Date): Promise<CommissionItem[]> => {
  const { merchantId, mode } = scope;
  if (!input.commissionIds) {
    const approved = await queryPage<CommissionItem>(
      { key: keys.affiliateCommissionsByTime(merchantId, mode, input.affiliateId), index: 'gsi2', filter: statusFilter('approved', now) },
      { limit: maxCommissionsPerPayout },
    );
    if (approved.data.length === 0)
      throw new ConflictError('payout.nothing_to_pay', `The affiliate has no approved commission in ${mode} mode; nothing was paid.`);
    return approved.data;
  }
  const found = await batchGet(input.commissionIds.map((id) => keys.commission(merchantId, mode, id)));
  const items = input.commissionIds.map((id) => {
    const item = found.get<CommissionItem>(keys.commission(merchantId, mode, id));
    if (!item) throw new NotFoundError(`Commission ${id}`);
    return item;
  });
  const problems = items.flatMap((item) => {
    if (item.affiliateId !== input.affiliateId) return [`${item.id} belongs to another affiliate`];
    const status = statusAt(item, now);
    return status === 'approved' ? [] : [why[status](item)];
  });
  if (problems.length) throw notPayable(problems);
  return items;
};

const attempt = async (scope: LedgerScope, input: CreatePayoutInput): Promise<Payout> => {
  const now = new Date();
  const chosen = await chosenCommissions(scope, input, now);
  const bookIds = [...new Set(chosen.map((item) => item.bookId))];
  const found = await batchGet(bookIds.map((bookId) => bookKey(scope, bookId)));
  const payout: Payout = { id: newId('po'), mode: scope.mode, affiliateId: input.affiliateId, commissionIds: [], totals: [], createdAt: now.toISOString() };
  const totals = new Map<string, number>();
  const transaction = new Transaction();

  for (const bookId of bookIds) {
    const before = readBook(found, scope, bookId, null);
    const derived = deriveBook(before, scope).commissions;
    let after: Book = before;
    for (const item of chosen.filter((commission) => commission.bookId === bookId)) {
      // The book is the authority: the listed item may trail it by an instant.
      const commission = derived.get(item.purchaseKey);
      if (!commission || commission.id !== item.id || statusAt({ ...commission, state: commission.ledger.state }, now) !== 'approved' || commission.ledger.net <= 0)
        throw new ConflictError('ledger.concurrent_update', `Commission ${item.id} changed while the payout was made; retry.`);
      const record = after.purchases[item.purchaseKey] as Book['purchases'][string];
      after = {
        ...after,
        purchases: { ...after.purchases, [item.purchaseKey]: { ...record, payouts: { ...record.payouts, [payout.id]: { amount: commission.ledger.net, at: payout.createdAt, knew: [...Object.keys(record.refunds), ...Object.keys(record.disputes)] } } } },
      };
      payout.commissionIds.push(item.id);
      totals.set(commission.currency, (totals.get(commission.currency) ?? 0) + commission.ledger.net);
    }
    writeBookChange(transaction, scope, before, after);
  }
  payout.totals = [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ amount, currency }));
  transaction.put({
    Item: { ...keys.payout(scope.merchantId, scope.mode, payout.id), type: 'payout', ...payout },
    ConditionExpression: 'attribute_not_exists(pk)',
  });
  await transaction.commit();
  return payout;
};

/**
 * Pays an affiliate's approved commissions: the ones named, or (without `commissionIds`) the
 * oldest approved ones, up to 45 per payout. Refused whole, with the reason, when any named
 * commission is not approved, belongs to another affiliate, or does not exist.
 */
export const create = async (merchantId: string, mode: Mode, input: CreatePayoutInput): Promise<Payout> => {
  await Affiliates.get(merchantId, input.affiliateId);
  for (let round = 1; ; round++) {
    try {
      return await attempt({ merchantId, mode }, input);
    } catch (error) {
      if (!(error instanceof ConflictError && error.type === 'ledger.concurrent_update') || round >= attempts) throw error;
    }
  }
};

export const list = async (merchantId: string, mode: Mode, filter: z.infer<typeof listPayoutsQuery>, page: PageRequest): Promise<Page<Payout>> => {
  const items = await queryPage<Payout & Record<string, unknown>>(
    {
      key: keys.payouts(merchantId, mode),
      ...(filter.affiliateId
        ? { filter: { FilterExpression: '#affiliateId = :affiliateId', ExpressionAttributeNames: { '#affiliateId': 'affiliateId' }, ExpressionAttributeValues: { ':affiliateId': filter.affiliateId } } }
        : {}),
    },
    page,
  );
  return {
    data: items.data.map(({ id, mode: itemMode, affiliateId, commissionIds, totals, createdAt }) => ({ id, mode: itemMode, affiliateId, commissionIds, totals, createdAt })),
    nextCursor: items.nextCursor,
  };
};
