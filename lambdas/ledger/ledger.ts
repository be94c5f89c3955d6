import * as z from 'zod';
import * as Affiliates from '../affiliates/affiliate';
import type { Mode } from '../core/mode';
import { keys } from '../store/keys';
import { type Page, type PageRequest, queryPage, queryShardedPage } from '../store/query';
import { type CommissionStatus, commissionStatuses, statusAt, statusIndex } from './status';
import type { CommissionLineResource, PurchaseResource, StoredCommission } from './store';

/**
 * The ledger as the merchant's API reads it: purchases and commissions of one mode, oldest first.
 * Every list reads an index whose partitions hold exactly what it returns (commissions of one
 * status, of one affiliate, or both), so a page costs about its own size whatever the ledger holds.
 */

export const listCommissionsQuery = z.object({
  affiliateId: z.string().min(1).max(64).optional(),
  status: z.enum(commissionStatuses).optional(),
});
export type CommissionFilter = z.infer<typeof listCommissionsQuery>;

export interface CommissionResource {
  id: string;
  mode: Mode;
  affiliateId: string;
  purchaseId: string;
  status: CommissionStatus;
  amount: StoredCommission['amount'];
  paid: StoredCommission['paid'];
  balance: StoredCommission['balance'];
  lines: CommissionLineResource[];
  occurredAt: string;
  /** When the hold period ends (the commission is pending until then, unless the hold is 0 days). */
  availableAt: string;
  /** The plan version it was earned under. */
  plan: StoredCommission['plan'];
}

type Stored<T> = T & Record<string, unknown>;

const toPurchase = (item: Stored<PurchaseResource>): PurchaseResource => ({
  id: item.id,
  mode: item.mode,
  affiliateId: item.affiliateId,
  attribution: item.attribution,
  stripe: item.stripe,
  total: item.total,
  commissionable: item.commissionable,
  refunded: item.refunded,
  lines: item.lines,
  occurredAt: item.occurredAt,
  commissionId: item.commissionId,
  noCommissionReason: item.noCommissionReason,
});

const toCommission = (item: StoredCommission, now: Date): CommissionResource => ({
  id: item.id,
  mode: item.mode,
  affiliateId: item.affiliateId,
  purchaseId: item.purchaseId,
  status: statusAt(item, now),
  amount: item.amount,
  paid: item.paid,
  balance: item.balance,
  lines: item.lines,
  occurredAt: item.occurredAt,
  availableAt: item.availableAt,
  plan: item.plan ?? null,
});

export const listPurchases = async (merchantId: string, mode: Mode, page: PageRequest): Promise<Page<PurchaseResource>> => {
  const items = await queryShardedPage<Stored<PurchaseResource>>({ keys: keys.purchasesByTime(merchantId, mode), index: 'gsi1' }, page);
  return { data: items.data.map(toPurchase), nextCursor: items.nextCursor };
};

/** The index partitions a filter reads: by time without a status, by status bucket (and range) with one. */
const commissionQuery = (merchantId: string, mode: Mode, filter: CommissionFilter, now: Date) => {
  if (!filter.status) {
    if (filter.affiliateId) return { keys: [keys.affiliateCommissionsByTime(merchantId, mode, filter.affiliateId)], index: 'gsi2' as const };
    return { keys: keys.commissionsByTime(merchantId, mode), index: 'gsi1' as const };
  }
  const { buckets, ...range } = statusIndex(filter.status, now);
  if (filter.affiliateId) {
    const affiliateId = filter.affiliateId;
    return { keys: buckets.map((bucket) => ({ ...keys.affiliateCommissionsByBucket(merchantId, mode, affiliateId, bucket), ...range })), index: 'gsi4' as const };
  }
  // Clawbacks sit in the `paid` partitions of the merchant-wide index.
  const merchantBucket = buckets[0] === 'clawback' ? 'paid' : (buckets[0] as Exclude<(typeof buckets)[number], 'clawback'>);
  return { keys: keys.commissionsByBucket(merchantId, mode, merchantBucket).map((key) => ({ ...key, ...range })), index: 'gsi3' as const };
};

/**
 * Commissions, optionally one affiliate's (an unknown affiliate is a 404, not an empty list) and of
 * one status. The status filter is the same rule as the status each commission shows, evaluated at
 * one instant for the whole page.
 */
export const listCommissions = async (merchantId: string, mode: Mode, filter: CommissionFilter, page: PageRequest): Promise<Page<CommissionResource>> => {
  if (filter.affiliateId) await Affiliates.get(merchantId, filter.affiliateId);
  const now = new Date();
  const query = commissionQuery(merchantId, mode, filter, now);
  const items =
    query.keys.length === 1
      ? await queryPage<StoredCommission>({ key: query.keys[0] as (typeof query.keys)[number], index: query.index }, page)
      : await queryShardedPage<StoredCommission>(query, page);
  return { data: items.data.map((item) => toCommission(item, now)), nextCursor: items.nextCursor };
};
