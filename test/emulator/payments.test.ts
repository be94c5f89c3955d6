import type Stripe from 'stripe';
import { useShop, objectOf, types, type Shop } from './shop';
import { rejection } from './support';

describe('Stripe emulator: payments without Checkout or invoices', () => {
  let shop: Shop;

  useShop((opened) => (shop = opened));

  it('simulates a bare payment: payment_intent.created, charge.succeeded, payment_intent.succeeded, and nothing else', async () => {
    const { customer, paymentIntent, charge, events } = await shop.h.control.simulatePayment({
      account: shop.account,
      customer: { email: 'bare@example.com' },
      amount: 4200,
      currency: 'EUR',
      metadata: { order: 'o-1' },
    });

    expect(types(events)).toEqual(['customer.created', 'payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
    expect(objectOf<Stripe.PaymentIntent>(events[1])).toMatchObject({ status: 'requires_payment_method', latest_charge: null });
    expect(paymentIntent).toMatchObject({ status: 'succeeded', amount: 4200, currency: 'eur', customer: customer?.id, metadata: { order: 'o-1' }, latest_charge: charge.id });
    expect(charge).toMatchObject({ amount: 4200, currency: 'eur', metadata: { order: 'o-1' }, billing_details: { email: 'bare@example.com' } });
    expect((await shop.stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: paymentIntent.id } }, shop.on)).data).toEqual([]);
    expect((await shop.stripe.checkout.sessions.list({ payment_intent: paymentIntent.id }, shop.on)).data).toEqual([]);
  });

  it('simulates a declined payment: charge.failed and payment_intent.payment_failed', async () => {
    const { paymentIntent, charge, events } = await shop.h.control.simulatePayment({ account: shop.account, email: 'guest@example.com', amount: 100, fail: true });

    expect(types(events)).toEqual(['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed']);
    expect(paymentIntent).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'card_declined', charge: charge.id } });
    expect(charge).toMatchObject({ status: 'failed', paid: false, captured: false, amount_captured: 0, customer: null, billing_details: { email: 'guest@example.com' } });
    expect(await rejection(shop.stripe.refunds.create({ charge: charge.id }, shop.on))).toMatchObject({ statusCode: 400 });
  });

  it('lists payment intents and charges by customer and payment intent, and expands their links', async () => {
    const customer = await shop.stripe.customers.create({ email: 'c@example.com' }, shop.on);
    const first = await shop.h.control.simulatePayment({ account: shop.account, customer: customer.id, amount: 100 });
    const second = await shop.h.control.simulatePayment({ account: shop.account, customer: customer.id, amount: 200 });
    await shop.h.control.simulatePayment({ account: shop.account, amount: 300 });

    const intents = await shop.stripe.paymentIntents.list({ customer: customer.id }, shop.on);
    const charges = await shop.stripe.charges.list({ payment_intent: first.paymentIntent.id }, shop.on);
    const expanded = await shop.stripe.charges.retrieve(second.charge.id, { expand: ['payment_intent', 'customer'] }, shop.on);

    expect(intents.data.map((intent) => intent.amount)).toEqual([200, 100]);
    expect(charges.data.map((listed) => listed.id)).toEqual([first.charge.id]);
    expect((expanded.payment_intent as Stripe.PaymentIntent).id).toBe(second.paymentIntent.id);
    expect((expanded.customer as Stripe.Customer).email).toBe('c@example.com');
    expect(await rejection(shop.stripe.charges.retrieve(second.charge.id, { expand: ['invoice'] }, shop.on))).toMatchObject({ statusCode: 400, param: 'expand' });
  });
});
