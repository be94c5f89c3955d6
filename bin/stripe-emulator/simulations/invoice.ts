import type Stripe from 'stripe';
import * as z from 'zod';
import { invalidParam } from '../errors';
import { newId } from '../ids';
import { findCustomer } from '../resources/customers';
import { createDiscount, recordRedemption, resolveRedemption } from '../resources/discounts';
import { issueInvoice } from '../resources/invoices';
import type { Payment } from '../resources/payment-intents';
import { exclusiveTaxRate } from '../resources/tax-rates';
import type { Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';
import { customerFor, customerSchema, discountRefs, lineItemSchema, priceFor, purchaseFields } from './purchases';

export const invoiceFields = {
  customer: customerSchema,
  lineItems: z.array(lineItemSchema).min(1).max(250),
  fail: z.boolean().default(false),
  ...purchaseFields,
};

/**
 * The merchant invoices a customer for one-off items (`billing_reason: manual`), charged at once:
 * `customer.created` for a new customer, then the invoice's and its payment's events.
 */
export function simulateInvoice(
  state: EmulatorState,
  scope: Scope,
  input: z.infer<z.ZodObject<typeof invoiceFields>>,
  emit: Emit,
): { customer: Stripe.Customer; invoice: Stripe.Invoice; payment: Payment | null } {
  const prices = input.lineItems.map((line, i) => priceFor(state, scope, line, `lineItems[${i}][price]`));
  const currency = (prices[0] as Stripe.Price).currency;
  if (prices.some((price) => price.currency !== currency)) throw invalidParam('All line items of an invoice must use the same currency.', 'lineItems');
  const subtotal = prices.reduce((acc, price, i) => acc + (price.unit_amount ?? 0) * (input.lineItems[i]?.quantity ?? 1), 0);
  const known = typeof input.customer === 'string' ? input.customer : null;
  const redemptions = discountRefs(state, scope, input).map((ref) => resolveRedemption(state, scope, ref, { currency, customer: known, subtotal }, 'promotionCode'));

  const customer = customerFor(state, scope, input.customer, emit) as Stripe.Customer;
  const id = newId('in');
  const discounts = redemptions.map((redemption) => {
    recordRedemption(state, scope, redemption);
    return createDiscount(state, scope, redemption, { customer: customer.id, invoice: id });
  });
  const now = state.now();
  const { invoice, payment } = issueInvoice(
    state,
    scope,
    {
      id,
      customer,
      currency,
      lines: prices.map((price, i) => ({ price, quantity: input.lineItems[i]?.quantity ?? 1, period: { start: now, end: now }, subscriptionItem: null, trial: false })),
      discounts,
      taxRate: input.taxBps === undefined ? null : exclusiveTaxRate(state, scope, input.taxBps),
      billingReason: 'manual',
      subscription: null,
      periodStart: now,
      periodEnd: now,
      metadata: input.metadata,
    },
    !input.fail,
    emit,
  );
  // Numbering the invoice moved the customer's `next_invoice_sequence` on.
  return { customer: findCustomer(state, scope, customer.id), invoice, payment };
}
