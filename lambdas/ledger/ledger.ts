import * as z from 'zod';
import * as Affiliates from '../affiliates/affiliate';
import type { Mode } from '../core/mode';
import { keys } from '../store/keys';
import { type Page, type PageRequest, queryPage } from '../store/query';
import { type CommissionStatus, commissionStatuses, statusAt, statusFilter } from './status';
import type { CommissionLineResource, PurchaseResource, StoredCommission } from './store';

/** The ledger as the merchant's API reads it: purchases and commissions of one mode, oldest first. */

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
});

export const listPurchases = async (merchantId: string, mode: Mode, page: PageRequest): Promise<Page<PurchaseResource>> => {
  const items = await queryPage<Stored<PurchaseResource>>({ key: keys.purchasesByTime(merchantId, mode), index: 'gsi1' }, page);
  return { data: items.data.map(toPurchase), nextCursor: items.nextCursor };
};

/**
 * Commissions, optionally one affiliate's (an unknown affiliate is a 404, not an empty list) and of
 * one status. The status filter is the same rule as the status each commission shows, evaluated at
 * one instant for the whole page.
 */
export const listCommissions = async (merchantId: string, mode: Mode, filter: CommissionFilter, page: PageRequest): Promise<Page<CommissionResource>> => {
  if (filter.affiliateId) await Affiliates.get(merchantId, filter.affiliateId);
  const now = new Date();
  const items = await queryPage<StoredCommission>(
    {
      key: filter.affiliateId ? keys.affiliateCommissionsByTime(merchantId, mode, filter.affiliateId) : keys.commissionsByTime(merchantId, mode),
      index: filter.affiliateId ? 'gsi2' : 'gsi1',
      ...(filter.status ? { filter: statusFilter(filter.status, now) } : {}),
    },
    page,
  );
  return { data: items.data.map((item) => toCommission(item, now)), nextCursor: items.nextCursor };
};
