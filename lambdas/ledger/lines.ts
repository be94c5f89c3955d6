import { proportion } from './arithmetic';
import type { DisputeFact, PayoutFact, RefundFact } from './book';
import { formatMoney } from './format';

export type LineType = 'earned' | 'adjusted' | 'held' | 'released' | 'reversed' | 'paid';

export interface LedgerLine {
  type: LineType;
  /** Signed minor units: what the line adds to the commission (paid lines move it out). */
  amount: number;
  reason: string;
  at: string;
  /** What the line is about (`earned`, a refund, dispute or payout ID): its identity in the ledger. */
  ref: string;
}

/** Stored states; `pending` and `approved` are told apart at read time by the hold period (status.ts). */
export type CommissionState = 'open' | 'held' | 'reversed' | 'paid';

export interface CommissionLedger {
  lines: LedgerLine[];
  /** Earned net of refunds, reversals and adjustments: what the commission is worth now. */
  net: number;
  paid: number;
  state: CommissionState;
}

export interface LedgerInput {
  earned: number;
  earnedReason: string;
  earnedAt: string;
  /** What the customer paid: refunds take back the same share of the commission. */
  total: number;
  currency: string;
  refunds: Record<string, RefundFact>;
  disputes: Record<string, DisputeFact>;
  payouts: Record<string, PayoutFact>;
}

type Step =
  | { kind: 'refund' | 'refundBack'; at: string; ref: string; amount: number }
  | { kind: 'opened' | 'won' | 'lost'; at: string; ref: string; amount: number }
  | { kind: 'payout'; at: string; ref: string; amount: number };

/** Within one second, refunds before dispute steps before payouts, so ties sort the same everywhere. */
const stepOrder: Record<Step['kind'], number> = { refund: 0, refundBack: 1, opened: 2, won: 3, lost: 4, payout: 5 };

const counted = (refund: RefundFact) => refund.status !== 'failed' && refund.status !== 'canceled';

/** The refunded amount of a payment: refunds count from their creation until they fail. */
export const refundedAmount = (refunds: Record<string, RefundFact>): number =>
  Object.values(refunds).reduce((sum, refund) => sum + (counted(refund) ? refund.amount : 0), 0);

const steps = (input: LedgerInput): Step[] => {
  const all: Step[] = [];
  for (const [ref, refund] of Object.entries(input.refunds)) {
    all.push({ kind: 'refund', at: refund.createdAt, ref, amount: refund.amount });
    if (!counted(refund)) all.push({ kind: 'refundBack', at: refund.endedAt ?? refund.observedAt, ref, amount: refund.amount });
  }
  for (const [ref, dispute] of Object.entries(input.disputes)) {
    all.push({ kind: 'opened', at: dispute.openedAt, ref, amount: dispute.amount });
    if (dispute.outcome !== 'open') all.push({ kind: dispute.outcome, at: dispute.closedAt ?? dispute.observedAt, ref, amount: dispute.amount });
  }
  for (const [ref, payout] of Object.entries(input.payouts)) all.push({ kind: 'payout', at: payout.at, ref, amount: payout.amount });

  // Stripe's times have whole seconds and a payout's are Tally's: what a payout did not know of
  // comes after it even when its timestamp says otherwise (a refund in the payout's second).
  const payouts = Object.entries(input.payouts);
  const sortKey = (step: Step): [string, number] => {
    if (step.kind === 'payout') return [step.at, stepOrder.payout];
    const missedBy = payouts.filter(([, payout]) => !payout.knew.includes(step.ref) && step.at <= payout.at).map(([, payout]) => payout.at);
    return missedBy.length ? [missedBy.sort().at(-1) as string, stepOrder.payout + 1 + stepOrder[step.kind]] : [step.at, stepOrder[step.kind]];
  };
  const keyed = all.map((step) => ({ step, key: sortKey(step) }));
  keyed.sort((a, b) => a.key[0].localeCompare(b.key[0]) || a.key[1] - b.key[1] || a.step.ref.localeCompare(b.step.ref));
  return keyed.map(({ step }) => step);
};

/**
 * A commission's ledger lines, worked out from the facts in time order. A refund takes back the
 * commission's share of it, computed on the running total refunded and rounded half up each time,
 * so the lines always add up exactly and a full refund leaves exactly zero. A dispute holds the
 * commission (a line of zero: its value is unchanged until the dispute is decided), a won dispute
 * releases it, a lost one reverses what is left. A payout moves the net out as a `paid` line.
 */
export const commissionLedger = (input: LedgerInput): CommissionLedger => {
  const { earned, total, currency } = input;
  const lines: LedgerLine[] = [{ type: 'earned', amount: earned, reason: input.earnedReason, at: input.earnedAt, ref: 'earned' }];
  const share = (refunded: number) => (total > 0 ? proportion(earned, Math.min(refunded, total), total) : earned);
  let refunded = 0;
  let net = earned;
  let lost = false;
  let paid = 0;

  for (const step of steps(input)) {
    const money = formatMoney(step.amount, currency);
    if (step.kind === 'refund' || step.kind === 'refundBack') {
      const before = refunded;
      refunded += step.kind === 'refund' ? step.amount : -step.amount;
      // After a lost dispute the commission is already gone; a refund cannot take it twice.
      if (lost) continue;
      const change = share(before) - share(refunded);
      net += change;
      const full = step.kind === 'refund' && refunded >= total && before < total;
      const reason =
        step.kind === 'refundBack'
          ? `refund ${step.ref} of ${money} failed; its share is restored`
          : full
            ? `refund ${step.ref} of ${money}: the payment is fully refunded`
            : `refund ${step.ref} of ${money}`;
      lines.push({ type: full ? 'reversed' : 'adjusted', amount: change, reason, at: step.at, ref: step.ref });
    } else if (step.kind === 'opened') {
      lines.push({ type: 'held', amount: 0, reason: `dispute ${step.ref} of ${money} opened`, at: step.at, ref: step.ref });
    } else if (step.kind === 'won') {
      lines.push({ type: 'released', amount: 0, reason: `dispute ${step.ref} won`, at: step.at, ref: step.ref });
    } else if (step.kind === 'lost') {
      lines.push({ type: 'reversed', amount: -net, reason: `dispute ${step.ref} lost`, at: step.at, ref: step.ref });
      net = 0;
      lost = true;
    } else {
      // A negative payout is a clawback it netted: what the affiliate owed back comes back in.
      const reason = step.amount >= 0 ? `payout ${step.ref}` : `clawback of ${formatMoney(-step.amount, currency)} netted in payout ${step.ref}`;
      lines.push({ type: 'paid', amount: -step.amount, reason, at: step.at, ref: step.ref });
      paid += step.amount;
    }
  }

  const disputeOpen = Object.values(input.disputes).some((dispute) => dispute.outcome === 'open');
  // Paid is final (later refunds show as a negative balance, netted by the next payout). Worth
  // nothing — refunded, lost, or rounded down to zero — is settled: reversed, never payable.
  const state: CommissionState = Object.keys(input.payouts).length > 0 ? 'paid' : net <= 0 ? 'reversed' : disputeOpen ? 'held' : 'open';
  return { lines, net, paid, state };
};
