import type Stripe from 'stripe';
import { invalidRequest, resourceMissing } from '../errors';
import { newId } from '../ids';
import { formatAmount } from '../money';
import { defineRoute, type Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';
import { findCharge, replaceCharge } from './charges';
import { paymentListRoute } from './payment-list';

const EVIDENCE_DAYS = 14;

const NO_EVIDENCE: Stripe.Dispute.Evidence = {
  access_activity_log: null,
  billing_address: null,
  cancellation_policy: null,
  cancellation_policy_disclosure: null,
  cancellation_rebuttal: null,
  customer_communication: null,
  customer_email_address: null,
  customer_name: null,
  customer_purchase_ip: null,
  customer_signature: null,
  duplicate_charge_documentation: null,
  duplicate_charge_explanation: null,
  duplicate_charge_id: null,
  enhanced_evidence: {},
  product_description: null,
  receipt: null,
  refund_policy: null,
  refund_policy_disclosure: null,
  refund_refusal_explanation: null,
  service_date: null,
  service_documentation: null,
  shipping_address: null,
  shipping_carrier: null,
  shipping_date: null,
  shipping_documentation: null,
  shipping_tracking_number: null,
  uncategorized_file: null,
  uncategorized_text: null,
};

export interface DisputeInput {
  charge: string;
  /** The charge's unrefunded amount when absent. */
  amount?: number;
  reason: string;
}

const OPEN_STATUSES = new Set(['needs_response', 'under_review', 'warning_needs_response', 'warning_under_review']);

/**
 * The cardholder disputes a charge: `charge.dispute.created` (status `needs_response`), then
 * `charge.dispute.funds_withdrawn` as Stripe takes the disputed amount back.
 */
export function createDispute(state: EmulatorState, scope: Scope, input: DisputeInput, emit: Emit): Stripe.Dispute {
  const charge = findCharge(state, scope, input.charge, 'charge', 400);
  if (charge.status !== 'succeeded') throw invalidRequest(`Charge ${charge.id} did not succeed; it cannot be disputed.`, { param: 'charge' });
  if (charge.disputed) throw invalidRequest(`Charge ${charge.id} is already disputed.`, { param: 'charge' });
  const disputable = charge.amount_captured - charge.amount_refunded;
  const amount = input.amount ?? disputable;
  if (amount < 1 || amount > disputable) {
    throw invalidRequest(`A dispute of ${formatAmount(amount, charge.currency)} is more than the ${formatAmount(disputable, charge.currency)} left on ${charge.id}.`, {
      param: 'amount',
    });
  }
  const now = state.now();
  const dispute: Stripe.Dispute = {
    id: newId('du'),
    object: 'dispute',
    amount,
    balance_transactions: [],
    charge: charge.id,
    created: now,
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence: NO_EVIDENCE,
    evidence_details: {
      due_by: now + EVIDENCE_DAYS * 86_400,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: 'not_submitted',
    },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: scope.mode === 'live',
    metadata: {},
    payment_intent: charge.payment_intent,
    payment_method_details: { type: 'card', card: { brand: 'visa', case_type: 'chargeback', network: 'visa', network_reason_code: '10.4' } },
    reason: input.reason,
    status: 'needs_response',
  };
  state.store.collection(scope, 'dispute').insert(dispute);
  replaceCharge(state, scope, { ...charge, disputed: true });
  emit('charge.dispute.created', dispute);
  emit('charge.dispute.funds_withdrawn', dispute);
  return dispute;
}

export function findDispute(state: EmulatorState, scope: Scope, id: string): Stripe.Dispute {
  const dispute = state.store.collection(scope, 'dispute').get(id);
  if (!dispute) throw resourceMissing('dispute', id);
  return dispute;
}

/**
 * The dispute is decided: `charge.dispute.closed` with status `won` or `lost`; a won dispute gives
 * the money back (`charge.dispute.funds_reinstated`). Accepting it (`POST /v1/disputes/:id/close`) loses it.
 */
export function closeDispute(state: EmulatorState, scope: Scope, id: string, outcome: 'won' | 'lost', emit: Emit): Stripe.Dispute {
  const before = findDispute(state, scope, id);
  if (!OPEN_STATUSES.has(before.status)) throw invalidRequest(`This dispute is already closed (status: ${before.status}).`);
  const closed: Stripe.Dispute = { ...before, status: outcome, is_charge_refundable: outcome === 'won' };
  state.store.collection(scope, 'dispute').replace(closed);
  emit('charge.dispute.closed', closed);
  if (outcome === 'won') emit('charge.dispute.funds_reinstated', closed);
  return closed;
}

export const disputeRoutes = [
  defineRoute({
    method: 'GET',
    path: '/v1/disputes/:id',
    accepts: [],
    returns: { type: 'dispute' },
    parse: () => undefined,
    run: (_input, ctx) => findDispute(ctx.state, ctx.scope, ctx.path.id as string),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/disputes/:id/close',
    accepts: [],
    returns: { type: 'dispute' },
    parse: () => undefined,
    run: (_input, ctx) => closeDispute(ctx.state, ctx.scope, ctx.path.id as string, 'lost', ctx.emit),
  }),
  paymentListRoute('dispute', '/v1/disputes'),
];
