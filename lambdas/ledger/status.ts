import type { CommissionBucket } from '../store/keys';
import type { CommissionState } from './lines';

export const commissionStatuses = ['pending', 'approved', 'held', 'reversed', 'paid'] as const;
export type CommissionStatus = (typeof commissionStatuses)[number];

export interface StatusInput {
  state: CommissionState;
  holdDays: number;
  availableAt: string;
}

/**
 * A commission's status at a given moment. Paid is final (later refunds show as negative lines
 * and a negative balance, netted by the next payout); then reversed (nothing left); then held (a
 * dispute is open); otherwise pending until the hold period has run — a hold of 0 days approves at
 * once — then approved. Derived when read, so no scheduled job moves commissions from pending to
 * approved.
 */
export const statusAt = (commission: StatusInput, now: Date): CommissionStatus => {
  if (commission.state !== 'open') return commission.state;
  return commission.holdDays > 0 && now.toISOString() < commission.availableAt ? 'pending' : 'approved';
};

/**
 * Where a status lives in the status indexes (store.ts `statusSortKey`): its bucket(s), and for
 * pending and approved the range of the open bucket — the same rule as `statusAt`, so a list
 * filtered by status reads only the commissions it returns and agrees with the status each shows.
 */
export const statusIndex = (status: CommissionStatus, now: Date): { buckets: CommissionBucket[]; skFrom?: string; skTo?: string } => {
  const cut = `H${now.toISOString()}~`;
  if (status === 'approved') return { buckets: ['open'], skTo: cut };
  if (status === 'pending') return { buckets: ['open'], skFrom: cut };
  if (status === 'paid') return { buckets: ['paid', 'clawback'] };
  return { buckets: [status] };
};
