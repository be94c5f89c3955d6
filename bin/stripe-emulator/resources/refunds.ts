import type Stripe from 'stripe';
import { invalidParam, invalidRequest, resourceMissing } from '../errors';
import { previousAttributes } from '../events';
import { applyMetadata, type Params } from '../form';
import { newId } from '../ids';
import { formatAmount } from '../money';
import { idOf } from '../object-types';
import { defineRoute, type Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';
import { findCharge, replaceCharge } from './charges';
import { paymentListRoute } from './payment-list';
import { findPaymentIntent } from './payment-intents';

const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

export interface RefundInput {
  target: { charge: string } | { paymentIntent: string };
  /** The rest of the charge when absent. */
  amount?: number;
  reason: Stripe.Refund.Reason | null;
  metadata: Record<string, string>;
  /** Card refunds succeed at once; `pending` ones are settled later (`settleRefund`). */
  status: 'succeeded' | 'pending';
}

function parseCreate(params: Params): RefundInput {
  const charge = params.string('charge');
  const paymentIntent = params.string('payment_intent');
  if (charge !== undefined && paymentIntent !== undefined) {
    throw invalidParam('You may only specify one of these parameters: charge, payment_intent.', 'charge');
  }
  if (charge === undefined && paymentIntent === undefined) {
    throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.');
  }
  const amount = params.integer('amount', { min: 1 });
  return {
    target: charge !== undefined ? { charge } : { paymentIntent: paymentIntent as string },
    ...(amount !== undefined ? { amount } : {}),
    reason: params.enumeration('reason', REASONS) ?? null,
    metadata: applyMetadata({}, params.metadata()),
    status: 'succeeded',
  };
}

/** The charge a refund goes to: the given one, or the payment intent's successful charge. */
function refundedCharge(state: EmulatorState, scope: Scope, target: RefundInput['target']): Stripe.Charge {
  if ('charge' in target) return findCharge(state, scope, target.charge, 'charge', 400);
  const intent = findPaymentIntent(state, scope, target.paymentIntent, 'payment_intent', 400);
  const chargeId = idOf(intent.latest_charge);
  if (intent.status !== 'succeeded' || chargeId === null) {
    throw invalidRequest(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, { param: 'payment_intent' });
  }
  return findCharge(state, scope, chargeId);
}

/** Disputes that keep a charge from being refunded: open ones, and lost ones (the money is already gone). */
function blockingDispute(state: EmulatorState, scope: Scope, chargeId: string): Stripe.Dispute | undefined {
  return state.store
    .collection(scope, 'dispute')
    .lookup('charge', chargeId)
    .find((dispute) => dispute.status !== 'won' && dispute.status !== 'warning_closed');
}

/**
 * Refunds a charge in part or in full: `charge.refunded` (the charge with its new `amount_refunded`
 * and `refunded`, and what they were in `previous_attributes`), then `refund.created`. Pending refunds
 * count in `amount_refunded` until they fail.
 */
export function createRefund(state: EmulatorState, scope: Scope, input: RefundInput, emit: Emit): Stripe.Refund {
  const charge = refundedCharge(state, scope, input.target);
  if (charge.status !== 'succeeded') throw invalidRequest(`Charge ${charge.id} has not succeeded; there is nothing to refund.`, { param: 'charge' });
  if (blockingDispute(state, scope, charge.id)) {
    throw invalidRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, { code: 'charge_disputed' });
  }
  const refundable = charge.amount_captured - charge.amount_refunded;
  if (refundable === 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
  const amount = input.amount ?? refundable;
  if (amount > refundable) {
    const what = charge.amount_refunded > 0 ? 'unrefunded amount on charge' : 'charge amount';
    throw invalidRequest(
      `Refund amount (${formatAmount(amount, charge.currency)}) is greater than ${what} (${formatAmount(refundable, charge.currency)})`,
      { param: 'amount' },
    );
  }
  const refund: Stripe.Refund = {
    id: newId('re'),
    object: 'refund',
    amount,
    balance_transaction: null,
    charge: charge.id,
    created: state.now(),
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    metadata: input.metadata,
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    ...(input.status === 'pending' ? { pending_reason: 'processing' } : {}),
    reason: input.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: input.status,
    transfer_reversal: null,
  };
  state.store.collection(scope, 'refund').insert(refund);
  const amountRefunded = charge.amount_refunded + amount;
  const refunded = replaceCharge(state, scope, { ...charge, amount_refunded: amountRefunded, refunded: amountRefunded === charge.amount_captured });
  emit('charge.refunded', refunded, previousAttributes(charge, refunded));
  emit('refund.created', refund);
  return refund;
}

export function findRefund(state: EmulatorState, scope: Scope, id: string): Stripe.Refund {
  const refund = state.store.collection(scope, 'refund').get(id);
  if (!refund) throw resourceMissing('refund', id);
  return refund;
}

/**
 * A pending refund settles: `refund.updated` (with `previous_attributes.status`), and for a failed
 * one also `refund.failed`; the charge's `amount_refunded` then gives the amount back.
 */
export function settleRefund(state: EmulatorState, scope: Scope, id: string, status: 'succeeded' | 'failed', emit: Emit): Stripe.Refund {
  const before = findRefund(state, scope, id);
  if (before.status !== 'pending') throw invalidRequest(`Refund ${id} is ${before.status}; only a pending refund can settle.`);
  const { pending_reason: _pendingReason, ...settled } = before;
  const after: Stripe.Refund = { ...settled, status, ...(status === 'failed' ? { failure_reason: 'expired_or_canceled_card' } : {}) };
  state.store.collection(scope, 'refund').replace(after);
  if (status === 'failed') {
    const charge = findCharge(state, scope, idOf(before.charge) as string);
    replaceCharge(state, scope, { ...charge, amount_refunded: charge.amount_refunded - before.amount, refunded: false });
  }
  emit('refund.updated', after, previousAttributes(before, after));
  if (status === 'failed') emit('refund.failed', after);
  return after;
}

export const refundRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/refunds',
    accepts: ['charge', 'payment_intent', 'amount', 'reason', 'metadata'],
    returns: { type: 'refund' },
    parse: parseCreate,
    run: (input, ctx) => createRefund(ctx.state, ctx.scope, input, ctx.emit),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/refunds/:id',
    accepts: [],
    returns: { type: 'refund' },
    parse: () => undefined,
    run: (_input, ctx) => findRefund(ctx.state, ctx.scope, ctx.path.id as string),
  }),
  paymentListRoute('refund', '/v1/refunds'),
];
