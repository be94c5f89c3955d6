import Stripe from 'stripe';
import type { EmulatorControlError } from '../../bin/stripe-emulator/client';
import { useShop, objectOf, types, type Shop } from './shop';
import { rejection } from './support';

describe('Stripe emulator: Checkout Sessions and simulated checkouts', () => {
  let shop: Shop;

  useShop((opened) => (shop = opened));

  const createCode = async (code: string, coupon: Stripe.CouponCreateParams) => {
    const created = await shop.stripe.coupons.create(coupon, shop.on);
    return shop.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: created.id }, code }, shop.on);
  };

  it('simulates a one-off checkout: customer, payment intent and charge, and no invoice', async () => {
    const { session, customer, paymentIntent, charge, invoice, events } = await shop.h.control.simulateCheckout({
      account: shop.account,
      kind: 'payment',
      customer: { email: 'buyer@example.com', name: 'Buyer' },
      lineItems: [{ unitAmount: 1500, quantity: 2, product: { id: 'prod_book', name: 'Book' } }],
      clientReferenceId: 'tally_visitor-1',
      metadata: { tally_affiliate: 'JANE' },
    });
    await shop.h.control.waitForDeliveries();

    expect(session).toMatchObject({
      id: expect.stringMatching(/^cs_test_a1\w{56}$/),
      object: 'checkout.session',
      mode: 'payment',
      status: 'complete',
      payment_status: 'paid',
      amount_subtotal: 3000,
      amount_total: 3000,
      currency: 'usd',
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      customer: customer?.id,
      customer_details: { email: 'buyer@example.com', name: 'Buyer' },
      payment_intent: paymentIntent?.id,
      invoice: null,
      subscription: null,
      client_reference_id: 'tally_visitor-1',
      metadata: { tally_affiliate: 'JANE' },
      discounts: [],
    });
    expect(invoice).toBeNull();
    expect(await shop.stripe.paymentIntents.retrieve(paymentIntent?.id as string, {}, shop.on)).toMatchObject({
      status: 'succeeded',
      amount: 3000,
      amount_received: 3000,
      customer: customer?.id,
      latest_charge: charge?.id,
    });
    expect(await shop.stripe.charges.retrieve(charge?.id as string, {}, shop.on)).toMatchObject({
      object: 'charge',
      amount: 3000,
      amount_captured: 3000,
      amount_refunded: 0,
      refunded: false,
      disputed: false,
      paid: true,
      status: 'succeeded',
      currency: 'usd',
      customer: customer?.id,
      payment_intent: paymentIntent?.id,
      billing_details: { email: 'buyer@example.com', name: 'Buyer' },
    });
    expect((charge as unknown as Record<string, unknown>).invoice).toBeUndefined();
    expect(types(events)).toEqual(['customer.created', 'payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed']);
    expect(shop.received().map((event) => [event.type, event.account, event.livemode, (event.data.object as { id: string }).id])).toEqual(
      events.map((event) => [event.type, shop.account, false, (event.data.object as { id: string }).id]),
    );
    expect(objectOf<Stripe.Checkout.Session>(events.at(-1))).toEqual(session);
  });

  it('lets a guest pay without a customer: the e-mail is on the session and the charge only', async () => {
    const { session, customer, charge, events } = await shop.h.control.simulateCheckout({
      account: shop.account,
      kind: 'payment',
      customerEmail: 'guest@example.com',
      lineItems: [{ unitAmount: 999 }],
    });

    expect(customer).toBeNull();
    expect(session).toMatchObject({ customer: null, customer_creation: 'if_required', customer_details: { email: 'guest@example.com' } });
    expect(charge).toMatchObject({ customer: null, billing_details: { email: 'guest@example.com' } });
    expect(types(events)).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed']);
  });

  it('simulates a subscription checkout: subscription, first invoice paid, payment linked by an invoice payment', async () => {
    const price = await shop.stripe.prices.create({ product_data: { name: 'Pro' }, unit_amount: 2900, currency: 'usd', recurring: { interval: 'month' } }, shop.on);

    const { session, customer, subscription, invoice, paymentIntent, charge, events } = await shop.h.control.simulateCheckout({
      account: shop.account,
      kind: 'subscription',
      customer: { email: 'sub@example.com' },
      lineItems: [{ price: price.id }],
      subscriptionMetadata: { plan: 'pro' },
    });

    expect(types(events)).toEqual([
      'customer.created',
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice_payment.paid',
      'invoice.paid',
      'invoice.payment_succeeded',
      'checkout.session.completed',
    ]);
    expect(session).toMatchObject({ mode: 'subscription', subscription: subscription?.id, invoice: invoice?.id, payment_intent: null, amount_total: 2900 });
    const retrieved = await shop.stripe.subscriptions.retrieve(subscription?.id as string, {}, shop.on);
    const [item] = retrieved.items.data;
    expect(retrieved).toMatchObject({ status: 'active', customer: customer?.id, latest_invoice: invoice?.id, metadata: { plan: 'pro' }, cancel_at: null });
    expect(item).toMatchObject({ price: { id: price.id }, quantity: 1, current_period_start: retrieved.start_date });
    expect(item?.current_period_end).toBeGreaterThan(retrieved.start_date + 27 * 86_400);
    expect(invoice).toMatchObject({
      status: 'paid',
      billing_reason: 'subscription_create',
      amount_paid: 2900,
      customer: customer?.id,
      customer_email: 'sub@example.com',
      parent: { type: 'subscription_details', subscription_details: { subscription: subscription?.id, metadata: { plan: 'pro' } } },
    });
    const [payment] = (await shop.stripe.invoicePayments.list({ invoice: invoice?.id as string }, shop.on)).data;
    expect(payment).toMatchObject({ payment: { type: 'payment_intent', payment_intent: paymentIntent?.id }, amount_paid: 2900, status: 'paid', is_default: true });
    expect(paymentIntent?.latest_charge).toBe(charge?.id);
    expect(objectOf<Stripe.Invoice>(events[2]).status).toBe('draft');
    expect(objectOf<Stripe.Invoice>(events[3])).toMatchObject({ status: 'open', number: expect.stringMatching(/^[0-9A-F]{8}-0001$/) });
  });

  it('applies a promotion code typed in any case: discounts, totals, line items, breakdown and redemptions', async () => {
    const promo = await createCode('JANE-20', { id: 'TWENTY', percent_off: 20, duration: 'once' });

    const { session } = await shop.h.control.simulateCheckout({
      account: shop.account,
      kind: 'payment',
      customer: { email: 'p@example.com' },
      lineItems: [{ unitAmount: 1000 }, { unitAmount: 555, quantity: 3 }],
      promotionCode: 'jane-20',
    });
    const expanded = await shop.stripe.checkout.sessions.retrieve(
      session.id,
      { expand: ['line_items', 'total_details.breakdown', 'discounts.promotion_code'] },
      shop.on,
    );

    expect(session).toMatchObject({ amount_subtotal: 2665, amount_total: 2132, total_details: { amount_discount: 533 }, discounts: [{ coupon: 'TWENTY', promotion_code: promo.id }] });
    expect(expanded.line_items?.data.map((item) => [item.amount_subtotal, item.amount_discount, item.amount_total])).toEqual([
      [1000, 200, 800],
      [1665, 333, 1332],
    ]);
    expect(expanded.total_details?.breakdown?.discounts).toEqual([
      { amount: 533, discount: expect.objectContaining({ object: 'discount', promotion_code: promo.id, source: { coupon: 'TWENTY', type: 'coupon' }, checkout_session: session.id }) },
    ]);
    expect((expanded.discounts?.[0]?.promotion_code as Stripe.PromotionCode).code).toBe('JANE-20');
    expect((await shop.stripe.promotionCodes.retrieve(promo.id, {}, shop.on)).times_redeemed).toBe(1);
    expect((await shop.stripe.coupons.retrieve('TWENTY', {}, shop.on)).times_redeemed).toBe(1);
  });

  it('refuses inactive and unknown promotion codes with Stripe errors, and makes nothing', async () => {
    const promo = await createCode('OLD', { percent_off: 10 });
    await shop.stripe.promotionCodes.update(promo.id, { active: false }, shop.on);
    const purchase = { account: shop.account, kind: 'payment' as const, customer: { email: 'x@example.com' }, lineItems: [{ unitAmount: 1000 }] };

    const inactive = (await rejection(shop.h.control.simulateCheckout({ ...purchase, promotionCode: 'OLD' }))) as unknown as EmulatorControlError;
    const unknown = (await rejection(shop.h.control.simulateCheckout({ ...purchase, promotionCode: 'NOPE' }))) as unknown as EmulatorControlError;
    const viaApi = await rejection(
      shop.stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'X' } }, quantity: 1 }], discounts: [{ promotion_code: promo.id }] }, shop.on),
    );
    await shop.h.control.waitForDeliveries();

    expect(inactive.status).toBe(400);
    expect(inactive.body).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('inactive') } });
    expect(unknown.body).toMatchObject({ error: { code: 'resource_missing', message: "No such promotion code: 'NOPE'" } });
    expect(viaApi).toMatchObject({ statusCode: 400, param: 'discounts[0]' });
    expect((await shop.stripe.checkout.sessions.list({}, shop.on)).data).toEqual([]);
    expect(types(shop.received()).filter((type) => !type.startsWith('coupon') && !type.startsWith('promotion_code'))).toEqual([]);
  });

  it('pages over 25 line items: 10 a page by default, has_more, starting_after', async () => {
    const lineItems = Array.from({ length: 25 }, (_, i) => ({ unitAmount: 100 + i, product: { id: `prod_sku_${i}`, name: `SKU ${i}` } }));
    const { session } = await shop.h.control.simulateCheckout({ account: shop.account, kind: 'payment', customer: { email: 'many@example.com' }, lineItems });

    const first = await shop.stripe.checkout.sessions.listLineItems(session.id, {}, shop.on);
    const second = await shop.stripe.checkout.sessions.listLineItems(session.id, { starting_after: first.data.at(-1)?.id as string }, shop.on);
    const all = await shop.stripe.checkout.sessions.listLineItems(session.id, { limit: 100 }, shop.on).autoPagingToArray({ limit: 100 });
    const paged = await shop.stripe.checkout.sessions.listLineItems(session.id, {}, shop.on).autoPagingToArray({ limit: 100 });
    const expanded = await shop.stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items.data.price.product'] }, shop.on);
    const withProducts = await shop.stripe.checkout.sessions.listLineItems(session.id, { limit: 3, expand: ['data.price.product'] }, shop.on);

    expect(first).toMatchObject({ object: 'list', has_more: true, url: `/v1/checkout/sessions/${session.id}/line_items` });
    expect(first.data).toHaveLength(10);
    expect(second.data.map((item) => (item.price?.product as string))).toEqual(Array.from({ length: 10 }, (_, i) => `prod_sku_${i + 10}`));
    expect(all.map((item) => item.amount_total)).toEqual(lineItems.map((line) => line.unitAmount));
    expect(paged.map((item) => item.id)).toEqual(all.map((item) => item.id));
    expect(expanded.line_items).toMatchObject({ has_more: true, data: expect.arrayContaining([expect.objectContaining({ price: expect.objectContaining({ product: expect.objectContaining({ name: 'SKU 0' }) }) })]) });
    expect(withProducts.data.map((item) => (item.price?.product as Stripe.Product).name)).toEqual(['SKU 0', 'SKU 1', 'SKU 2']);
    expect(session.amount_total).toBe(lineItems.reduce((sum, line) => sum + line.unitAmount, 0));
  });

  it('completes a session created with the API, with its prices, promotion code and client_reference_id', async () => {
    const price = await shop.stripe.prices.create({ product_data: { name: 'Course' }, unit_amount: 10_000, currency: 'eur' }, shop.on);
    const promo = await createCode('FIVE-OFF', { amount_off: 500, currency: 'eur', duration: 'once' });
    const created = await shop.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [{ price: price.id, quantity: 1 }],
        customer_email: 'api@example.com',
        customer_creation: 'always',
        client_reference_id: 'tally_v42',
        discounts: [{ promotion_code: promo.id }],
        success_url: 'https://shop.example/ok',
      },
      shop.on,
    );

    const { session, customer } = await shop.h.control.simulateCheckout({ account: shop.account, session: created.id });
    const listed = await shop.stripe.checkout.sessions.list({ payment_intent: session.payment_intent as string }, shop.on);

    expect(created).toMatchObject({ status: 'open', payment_status: 'unpaid', amount_total: 9500, customer: null, url: expect.stringContaining(created.id) });
    expect(session).toMatchObject({ id: created.id, status: 'complete', customer: customer?.id, client_reference_id: 'tally_v42', amount_total: 9500, url: null });
    expect(customer?.email).toBe('api@example.com');
    expect(listed.data.map((listedSession) => listedSession.id)).toEqual([created.id]);
    expect(await rejection(shop.h.control.simulateCheckout({ account: shop.account, session: created.id }))).toMatchObject({ status: 400 });
  });

  it('refuses sessions Stripe refuses: recurring prices in payment mode, discounts with allow_promotion_codes', async () => {
    const monthly = await shop.stripe.prices.create({ product_data: { name: 'M' }, unit_amount: 100, currency: 'usd', recurring: { interval: 'month' } }, shop.on);

    const recurringInPayment = await rejection(shop.stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: monthly.id, quantity: 1 }] }, shop.on));
    const both = await rejection(
      shop.stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: monthly.id, quantity: 1 }], allow_promotion_codes: true, discounts: [{ coupon: 'X' }] }, shop.on),
    );
    const noLines = await rejection(shop.stripe.checkout.sessions.create({ mode: 'payment' }, shop.on));

    expect(recurringInPayment).toMatchObject({ statusCode: 400, message: expect.stringContaining('`payment` mode but passed a recurring price') });
    expect(both).toMatchObject({ statusCode: 400, message: 'You may only specify one of these parameters: allow_promotion_codes, discounts.' });
    expect(noLines).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'line_items' });
  });

  it('keeps zero-decimal currencies in whole units through discounts', async () => {
    await createCode('YEN', { amount_off: 300, currency: 'jpy' });

    const { session, charge } = await shop.h.control.simulateCheckout({
      account: shop.account,
      kind: 'payment',
      customer: { email: 'jp@example.com' },
      lineItems: [{ unitAmount: 1000, currency: 'JPY', quantity: 3 }],
      promotionCode: 'yen',
    });

    expect(session).toMatchObject({ currency: 'jpy', amount_subtotal: 3000, amount_total: 2700, total_details: { amount_discount: 300 } });
    expect(charge).toMatchObject({ currency: 'jpy', amount: 2700 });
  });

  it('refuses a fixed-amount code in another currency', async () => {
    await createCode('DOLLARS', { amount_off: 500, currency: 'usd' });

    const error = (await rejection(
      shop.h.control.simulateCheckout({ account: shop.account, kind: 'payment', customer: { email: 'e@example.com' }, lineItems: [{ unitAmount: 1000, currency: 'eur' }], promotionCode: 'DOLLARS' }),
    )) as unknown as EmulatorControlError;

    expect(error.status).toBe(400);
  });

  it('adds exclusive tax: the total includes it and total_details and the breakdown say how much', async () => {
    await createCode('TEN', { percent_off: 10 });

    const { session, charge } = await shop.h.control.simulateCheckout({
      account: shop.account,
      kind: 'payment',
      customer: { email: 't@example.com' },
      lineItems: [{ unitAmount: 10_000 }],
      promotionCode: 'TEN',
      taxBps: 825,
    });
    const expanded = await shop.stripe.checkout.sessions.retrieve(session.id, { expand: ['total_details.breakdown', 'line_items'] }, shop.on);

    expect(session).toMatchObject({ amount_subtotal: 10_000, amount_total: 9743, total_details: { amount_discount: 1000, amount_tax: 743 } });
    expect(charge?.amount).toBe(9743);
    expect(expanded.total_details?.breakdown?.taxes).toEqual([
      { amount: 743, taxable_amount: 9000, taxability_reason: 'standard_rated', rate: expect.objectContaining({ percentage: 8.25, inclusive: false }) },
    ]);
    expect(expanded.line_items?.data[0]).toMatchObject({ amount_subtotal: 10_000, amount_discount: 1000, amount_tax: 743, amount_total: 9743 });
  });

  it('starts a trial: trialing subscription, a paid invoice of 0, no payment, nothing to pay at checkout', async () => {
    const { session, subscription, invoice, paymentIntent, events } = await shop.h.control.simulateCheckout({
      account: shop.account,
      kind: 'subscription',
      customer: { email: 'trial@example.com' },
      lineItems: [{ unitAmount: 4900, recurring: { interval: 'month' } }],
      trialDays: 14,
    });

    expect(subscription).toMatchObject({ status: 'trialing', trial_end: (subscription?.trial_start as number) + 14 * 86_400 });
    expect(subscription?.items.data[0]?.current_period_end).toBe(subscription?.trial_end);
    expect(invoice).toMatchObject({ status: 'paid', total: 0, amount_paid: 0, billing_reason: 'subscription_create' });
    expect(invoice?.lines.data[0]).toMatchObject({ amount: 0, description: expect.stringMatching(/^Trial period for /) });
    expect(paymentIntent).toBeNull();
    expect(session).toMatchObject({ payment_status: 'no_payment_required', amount_total: 0 });
    expect(types(events)).toEqual([
      'customer.created',
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
      'checkout.session.completed',
    ]);
  });

  it('completes a fully discounted one-off purchase without a payment', async () => {
    await createCode('FREE', { percent_off: 100 });

    const { session, paymentIntent, events } = await shop.h.control.simulateCheckout({
      account: shop.account,
      kind: 'payment',
      customer: { email: 'free@example.com' },
      lineItems: [{ unitAmount: 5000 }],
      promotionCode: 'FREE',
    });

    expect(session).toMatchObject({ amount_total: 0, payment_status: 'no_payment_required', payment_intent: null });
    expect(paymentIntent).toBeNull();
    expect(types(events)).toEqual(['customer.created', 'checkout.session.completed']);
  });

  it('runs live-mode checkouts on live-mode accounts: livemode objects and events', async () => {
    await shop.reset('live');

    const { session, events } = await shop.h.control.simulateCheckout({ account: shop.account, kind: 'payment', customer: { email: 'live@example.com' }, lineItems: [{ unitAmount: 100 }] });
    await shop.h.control.waitForDeliveries();

    expect(session.id).toMatch(/^cs_live_/);
    expect(session.livemode).toBe(true);
    expect(events.every((event) => event.livemode && event.account === shop.account)).toBe(true);
    expect(shop.received()).toHaveLength(events.length);
    expect((await shop.h.stripe('live').checkout.sessions.retrieve(session.id, {}, shop.on)).id).toBe(session.id);
    expect(await rejection(shop.h.control.simulateCheckout({ account: shop.account, mode: 'test', kind: 'payment', lineItems: [{ unitAmount: 100 }] }))).toMatchObject({
      status: 400,
    });
  });

  it('simulates checkouts on the platform account itself, without `account` on events', async () => {
    const endpoint = await shop.h.control.registerWebhookEndpoint({ url: shop.receiver.url });
    shop.receiver.received.length = 0;

    const { events } = await shop.h.control.simulateCheckout({ kind: 'payment', customer: { email: 'platform@example.com' }, lineItems: [{ unitAmount: 100 }] });
    await shop.h.control.waitForDeliveries();

    const delivered = shop.receiver.received.map((delivery) =>
      Stripe.webhooks.constructEvent(delivery.rawBody, delivery.headers['stripe-signature'] as string, endpoint.secret),
    );
    expect(events.every((event) => event.account === undefined)).toBe(true);
    expect(delivered.map((event) => [event.id, event.account])).toEqual(events.map((event) => [event.id, undefined]));
  });
});
