import type Stripe from 'stripe';
import * as z from 'zod';
import type { ControlRoute } from '../control';
import type { Mode } from '../defaults';
import { invalidRequest } from '../errors';
import { idOf } from '../object-types';
import { findCharge } from '../resources/charges';
import { closeDispute, createDispute } from '../resources/disputes';
import { createRefund, settleRefund } from '../resources/refunds';
import { cancelSubscription, updateSubscription } from '../resources/subscriptions';
import type { Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';
import { checkoutComplete, checkoutFields, simulateCheckout } from './checkout';
import { invoiceFields, simulateInvoice } from './invoice';
import { paymentFields, simulatePayment } from './payment';
import { metadataSchema } from './purchases';
import { EventRecorder } from './recorder';
import { renewalFields, simulateRenewal } from './renewal';

/** Every simulation acts in one account and mode, and delivers its events unless `deliver: false`. */
const common = {
  mode: z.enum(['test', 'live']).optional(),
  account: z.string().optional(),
  deliver: z.boolean().default(true),
};

interface SimulationContext {
  scope: Scope;
  emit: Emit;
  recorder: EventRecorder;
  params: Record<string, string>;
}

type ScopeOf = (account: string | undefined, mode: Mode | undefined) => Scope;

const refundFields = {
  charge: z.string().startsWith('ch_').optional(),
  paymentIntent: z.string().startsWith('pi_').optional(),
  amount: z.number().int().min(1).optional(),
  reason: z.enum(['duplicate', 'fraudulent', 'requested_by_customer']).optional(),
  metadata: metadataSchema.default({}),
  status: z.enum(['succeeded', 'pending']).default('succeeded'),
};

const cancelFields = {
  subscription: z.string().startsWith('sub_'),
  /** Cancel when the current period ends instead of now. */
  atPeriodEnd: z.boolean().default(false),
  /** Cancel at this Unix time instead of now. */
  at: z.number().int().optional(),
};

/** `/_emulator/simulate/…`: customers and merchants acting, with the events Stripe sends for it. */
export function simulationRoutes(state: EmulatorState, scopeOf: ScopeOf): ControlRoute[] {
  const simulation = <Input extends { mode?: Mode | undefined; account?: string | undefined; deliver: boolean }>(
    path: string,
    schema: z.ZodType<Input>,
    run: (input: Input, ctx: SimulationContext) => object,
  ): ControlRoute => ({
    method: 'POST',
    path: `/_emulator/simulate/${path}`,
    handle: ({ body, params }) => {
      const input = schema.parse(body);
      const scope = scopeOf(input.account, input.mode);
      const recorder = new EventRecorder(state, input.deliver);
      const result = run(input, { scope, emit: recorder.in(scope), recorder, params });
      return { ...result, events: recorder.events };
    },
  });

  const chargeNow = (scope: Scope, charge: string | Stripe.Charge | null) => findCharge(state, scope, idOf(charge) as string);

  return [
    simulation(
      'checkout',
      z.object({ ...common, ...checkoutFields }).refine(checkoutComplete, { message: 'give either session, or kind and lineItems (trialDays only with kind subscription)' }),
      (input, { scope, emit }) => simulateCheckout(state, scope, input, emit),
    ),
    simulation('renewal', z.object({ ...common, ...renewalFields }), (input, { scope, emit, recorder }) => {
      const { subscription, invoice, payment } = simulateRenewal(state, scope, input, recorder, emit);
      return { subscription, invoice, paymentIntent: payment?.paymentIntent ?? null, charge: payment?.charge ?? null };
    }),
    simulation('invoice', z.object({ ...common, ...invoiceFields }), (input, { scope, emit }) => {
      const { customer, invoice, payment } = simulateInvoice(state, scope, input, emit);
      return { customer, invoice, paymentIntent: payment?.paymentIntent ?? null, charge: payment?.charge ?? null };
    }),
    simulation('payment', z.object({ ...common, ...paymentFields }), (input, { scope, emit }) => simulatePayment(state, scope, input, emit)),
    simulation(
      'refund',
      z.object({ ...common, ...refundFields }).refine((input) => (input.charge === undefined) !== (input.paymentIntent === undefined), {
        message: 'give either charge or paymentIntent',
      }),
      (input, { scope, emit }) => {
        const refund = createRefund(
          state,
          scope,
          {
            target: input.charge !== undefined ? { charge: input.charge } : { paymentIntent: input.paymentIntent as string },
            ...(input.amount !== undefined ? { amount: input.amount } : {}),
            reason: input.reason ?? null,
            metadata: input.metadata,
            status: input.status,
          },
          emit,
        );
        return { refund, charge: chargeNow(scope, refund.charge) };
      },
    ),
    simulation('refund/:id/settle', z.object({ ...common, status: z.enum(['succeeded', 'failed']) }), (input, { scope, emit, params }) => {
      const refund = settleRefund(state, scope, params.id as string, input.status, emit);
      return { refund, charge: chargeNow(scope, refund.charge) };
    }),
    simulation(
      'dispute',
      z.object({ ...common, charge: z.string().startsWith('ch_'), amount: z.number().int().min(1).optional(), reason: z.string().default('fraudulent') }),
      (input, { scope, emit }) => {
        const dispute = createDispute(state, scope, { charge: input.charge, reason: input.reason, ...(input.amount !== undefined ? { amount: input.amount } : {}) }, emit);
        return { dispute, charge: chargeNow(scope, dispute.charge) };
      },
    ),
    simulation('dispute/:id/close', z.object({ ...common, outcome: z.enum(['won', 'lost']) }), (input, { scope, emit, params }) => ({
      dispute: closeDispute(state, scope, params.id as string, input.outcome, emit),
    })),
    simulation('cancel-subscription', z.object({ ...common, ...cancelFields }), (input, { scope, emit }) => {
      if (input.atPeriodEnd && input.at !== undefined) throw invalidRequest('Give either atPeriodEnd or at, not both.');
      if (input.at !== undefined && input.at <= state.now()) throw invalidRequest(`at (${input.at}) is not in the future (now ${state.now()}).`);
      const subscription = input.atPeriodEnd
        ? updateSubscription(state, scope, input.subscription, { cancelAtPeriodEnd: true }, emit)
        : input.at !== undefined
          ? updateSubscription(state, scope, input.subscription, { cancelAt: input.at }, emit)
          : cancelSubscription(state, scope, input.subscription, emit);
      return { subscription };
    }),
  ];
}
