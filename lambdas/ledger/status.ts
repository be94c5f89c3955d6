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
 * and a negative balance); then reversed (nothing left); then held (a dispute is open); otherwise
 * pending until the hold period has run — a hold of 0 days approves at once — then approved.
 * Derived when read, so no scheduled job moves commissions from pending to approved.
 */
export const statusAt = (commission: StatusInput, now: Date): CommissionStatus => {
  if (commission.state !== 'open') return commission.state;
  return commission.holdDays > 0 && now.toISOString() < commission.availableAt ? 'pending' : 'approved';
};

/**
 * The same rule as a DynamoDB filter over stored commission items (`state`, `holdDays`,
 * `availableAt`), so lists filtered by status agree with the status each item shows.
 */
export const statusFilter = (status: CommissionStatus, now: Date) => {
  const names = { '#state': 'state', '#holdDays': 'holdDays', '#availableAt': 'availableAt' };
  if (status === 'pending')
    return {
      FilterExpression: '#state = :open AND #holdDays > :zero AND #availableAt > :now',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':open': 'open', ':zero': 0, ':now': now.toISOString() },
    };
  if (status === 'approved')
    return {
      FilterExpression: '#state = :open AND (#holdDays = :zero OR #availableAt <= :now)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':open': 'open', ':zero': 0, ':now': now.toISOString() },
    };
  return { FilterExpression: '#state = :state', ExpressionAttributeNames: { '#state': 'state' }, ExpressionAttributeValues: { ':state': status } };
};
