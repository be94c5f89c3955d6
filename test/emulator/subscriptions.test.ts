import type Stripe from 'stripe';
import { useShop, objectOf, types, type Shop } from './shop';
import { rejection } from './support';

describe('Stripe emulator: subscriptions, renewals and cancellations', () => {
  let shop: Shop;

  useShop((opened) => (shop = opened));

  const subscribe = (extra: Partial<Parameters<Shop['h']['control']['simulateCheckout']>[0]> = {}) =>
    shop.h.control.simulateCheckout({
      account: shop.account,
      kind: 'subscription',
      customer: { email: 'renew@example.com' },
      lineItems: [{ unitAmount: 1000, product: { id: 'prod_plan' }, recurring: { interval: 'month' } }],
      ...extra,
    });
  const renew = (subscription: string, extra: { fail?: boolean; deliver?: boolean } = {}) =>
    shop.h.control.simulateRenewal({ account: shop.account, subscription, ...extra });
  const withCode = async (code: string, coupon: Stripe.CouponCreateParams) => {
    const created = await shop.stripe.coupons.create(coupon, shop.on);
    await shop.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: created.id }, code }, shop.on);
  };

  it('renews: the next period is billed (subscription_cycle) and the clock moves to the period end', async () => {
    const { subscription } = await subscribe();
    const firstEnd = subscription?.items.data[0]?.current_period_end as number;

    const renewal = await renew(subscription?.id as string);
    const clock = await shop.h.control.advanceTime(0);

    expect(types(renewal.events)).toEqual([
      'customer.subscription.updated',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice_payment.paid',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);
    expect(clock.now).toBeGreaterThanOrEqual(firstEnd);
    expect(renewal.invoice).toMatchObject({ billing_reason: 'subscription_cycle', status: 'paid', total: 1000, period_end: firstEnd });
    expect(renewal.invoice.lines.data[0]?.period.start).toBe(firstEnd);
    expect(renewal.subscription.items.data[0]).toMatchObject({ current_period_start: firstEnd, current_period_end: renewal.invoice.lines.data[0]?.period.end });
    expect(renewal.subscription.latest_invoice).toBe(renewal.invoice.id);
    expect(renewal.charge).toMatchObject({ amount: 1000, description: 'Subscription update' });
    const updated = renewal.events[0] as Stripe.CustomerSubscriptionUpdatedEvent;
    expect(updated.data.previous_attributes).toMatchObject({ latest_invoice: subscription?.latest_invoice, items: { data: [expect.objectContaining({ current_period_end: firstEnd })] } });
    expect(updated.created).toBe(renewal.invoice.created);
  });

  it('runs a year of monthly renewals back to back, each period starting where the last one ended', async () => {
    const { subscription, invoice } = await subscribe();

    const invoices = [invoice as Stripe.Invoice];
    for (let month = 0; month < 12; month += 1) invoices.push((await renew(subscription?.id as string)).invoice);
    const listed = await shop.stripe.invoices.list({ subscription: subscription?.id as string, limit: 100 }, shop.on);

    const periods = invoices.map((billed) => billed.lines.data[0]?.period as Stripe.InvoiceLineItem.Period);
    expect(listed.data.map((listedInvoice) => listedInvoice.id)).toEqual(invoices.map((billed) => billed.id).reverse());
    periods.slice(1).forEach((period, i) => expect(period.start).toBe(periods[i]?.end));
    const year = new Date((periods[12]?.start as number) * 1000).getUTCFullYear() - new Date((periods[0]?.start as number) * 1000).getUTCFullYear();
    expect(year).toBe(1);
    expect(invoices.map((billed) => billed.created)).toEqual([...invoices.map((billed) => billed.created)].sort((a, b) => a - b));
  });

  it('discounts only the first invoice for a `once` coupon, and drops it from the subscription on renewal', async () => {
    await withCode('ONCE', { percent_off: 50, duration: 'once' });
    const { subscription, invoice } = await subscribe({ promotionCode: 'ONCE' });

    const second = await renew(subscription?.id as string);
    const third = await renew(subscription?.id as string);

    expect([invoice?.total, second.invoice.total, third.invoice.total]).toEqual([500, 1000, 1000]);
    expect(second.invoice.discounts).toEqual([]);
    expect(subscription?.discounts).toHaveLength(1);
    expect(second.subscription.discounts).toEqual([]);
    expect((second.events[0] as Stripe.CustomerSubscriptionUpdatedEvent).data.previous_attributes?.discounts).toEqual(subscription?.discounts);
  });

  it('discounts `repeating` coupons for their months and `forever` coupons on every renewal', async () => {
    await withCode('THREE-MONTHS', { amount_off: 300, currency: 'usd', duration: 'repeating', duration_in_months: 3 });
    await withCode('ALWAYS', { percent_off: 10, duration: 'forever' });
    const repeating = await subscribe({ promotionCode: 'THREE-MONTHS' });
    const forever = await subscribe({ promotionCode: 'ALWAYS', customer: { email: 'forever@example.com' } });

    const repeatingTotals = [repeating.invoice?.total];
    const foreverTotals = [forever.invoice?.total];
    for (let month = 0; month < 4; month += 1) {
      repeatingTotals.push((await renew(repeating.subscription?.id as string)).invoice.total);
      foreverTotals.push((await renew(forever.subscription?.id as string)).invoice.total);
    }

    expect(repeatingTotals).toEqual([700, 700, 700, 1000, 1000]);
    expect(foreverTotals).toEqual([900, 900, 900, 900, 900]);
  });

  it('keeps a `once` coupon through a free trial and uses it on the first paid invoice', async () => {
    await withCode('WELCOME', { percent_off: 20, duration: 'once' });
    const { subscription, invoice } = await subscribe({ promotionCode: 'WELCOME', trialDays: 7 });

    const afterTrial = await renew(subscription?.id as string);
    const next = await renew(subscription?.id as string);

    expect(invoice).toMatchObject({ total: 0, discounts: [] });
    expect(afterTrial.invoice).toMatchObject({ total: 800, billing_reason: 'subscription_cycle', discounts: subscription?.discounts });
    expect(afterTrial.subscription.status).toBe('active');
    expect((afterTrial.events[0] as Stripe.CustomerSubscriptionUpdatedEvent).data.previous_attributes).toMatchObject({ status: 'trialing' });
    expect(afterTrial.invoice.lines.data[0]?.period.start).toBe(subscription?.trial_end);
    expect(next.invoice.total).toBe(1000);
  });

  it('fails a renewal: invoice.payment_failed and past_due, no charge.succeeded; the next paid one makes it active', async () => {
    const { subscription } = await subscribe();

    const failed = await renew(subscription?.id as string, { fail: true });
    const recovered = await renew(subscription?.id as string);

    expect(types(failed.events)).toEqual([
      'customer.subscription.updated',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.failed',
      'payment_intent.payment_failed',
      'invoice.payment_failed',
      'customer.subscription.updated',
    ]);
    expect(failed.invoice).toMatchObject({ status: 'open', amount_paid: 0, amount_remaining: 1000, next_payment_attempt: expect.any(Number) });
    expect(failed.charge).toMatchObject({ status: 'failed', paid: false, failure_code: 'card_declined' });
    expect(failed.subscription.status).toBe('past_due');
    expect(recovered.subscription.status).toBe('active');
    expect(types(recovered.events).at(-1)).toBe('customer.subscription.updated');
  });

  it('cancels now: customer.subscription.deleted, and nothing more to renew', async () => {
    const { subscription } = await subscribe();

    const { subscription: canceled, events } = await shop.h.control.cancelSubscription({ account: shop.account, subscription: subscription?.id as string });
    const refused = await rejection(renew(subscription?.id as string));

    expect(types(events)).toEqual(['customer.subscription.deleted']);
    expect(canceled).toMatchObject({ status: 'canceled', ended_at: expect.any(Number), canceled_at: expect.any(Number), cancellation_details: { reason: 'cancellation_requested' } });
    expect(refused).toMatchObject({ status: 400 });
    expect((await shop.stripe.subscriptions.list({ customer: subscription?.customer as string }, shop.on)).data).toEqual([]);
    expect((await shop.stripe.subscriptions.list({ status: 'canceled' }, shop.on)).data.map((listed) => listed.id)).toEqual([subscription?.id]);
  });

  it('cancels at the period end: updated with cancel_at now, deleted when the clock passes it', async () => {
    const { subscription } = await subscribe();
    const periodEnd = subscription?.items.data[0]?.current_period_end as number;

    const scheduled = await shop.h.control.cancelSubscription({ account: shop.account, subscription: subscription?.id as string, atPeriodEnd: true });
    const refused = await rejection(renew(subscription?.id as string));
    const early = await shop.h.control.advanceTime(60);
    const later = await shop.h.control.advanceTime(periodEnd - early.now + 1);
    await shop.h.control.waitForDeliveries();

    expect(scheduled.subscription).toMatchObject({ status: 'active', cancel_at: periodEnd, cancel_at_period_end: true });
    expect(scheduled.events[0]?.data.previous_attributes).toMatchObject({ cancel_at: null, cancel_at_period_end: false, canceled_at: null });
    expect(refused).toMatchObject({ status: 400 });
    expect(early.events).toEqual([]);
    expect(types(later.events)).toEqual(['customer.subscription.deleted']);
    expect(objectOf<Stripe.Subscription>(later.events[0])).toMatchObject({ status: 'canceled', ended_at: periodEnd, canceled_at: scheduled.subscription.canceled_at });
    expect(later.events[0]?.account).toBe(shop.account);
    expect(types(shop.received()).slice(-2)).toEqual(['customer.subscription.updated', 'customer.subscription.deleted']);
  });

  it('updates and cancels through the API as Stripe does', async () => {
    const { subscription } = await subscribe();
    const id = subscription?.id as string;
    const periodEnd = subscription?.items.data[0]?.current_period_end as number;

    const scheduled = await shop.stripe.subscriptions.update(id, { cancel_at_period_end: true, metadata: { reason: 'price' } }, shop.on);
    const kept = await shop.stripe.subscriptions.update(id, { cancel_at_period_end: false }, shop.on);
    const at = await shop.stripe.subscriptions.update(id, { cancel_at: periodEnd - 86_400 }, shop.on);
    const canceled = await shop.stripe.subscriptions.cancel(id, {}, shop.on);
    const again = await rejection(shop.stripe.subscriptions.update(id, { cancel_at_period_end: true }, shop.on));
    await shop.h.control.waitForDeliveries();

    expect(scheduled).toMatchObject({ cancel_at: periodEnd, cancel_at_period_end: true, metadata: { reason: 'price' } });
    expect(kept).toMatchObject({ cancel_at: null, cancel_at_period_end: false, canceled_at: null });
    expect(at).toMatchObject({ cancel_at: periodEnd - 86_400, cancel_at_period_end: false });
    expect(canceled).toMatchObject({ status: 'canceled', ended_at: expect.any(Number) });
    expect(again).toMatchObject({ statusCode: 400 });
    expect(types(shop.received()).slice(-4)).toEqual([
      'customer.subscription.updated',
      'customer.subscription.updated',
      'customer.subscription.updated',
      'customer.subscription.deleted',
    ]);
  });

  it('expands a subscription’s latest invoice, discounts and item products', async () => {
    await withCode('EXP', { percent_off: 5, duration: 'forever' });
    const { subscription } = await subscribe({ promotionCode: 'EXP' });

    const expanded = await shop.stripe.subscriptions.retrieve(
      subscription?.id as string,
      { expand: ['latest_invoice', 'discounts', 'items.data.price.product', 'customer'] },
      shop.on,
    );

    expect((expanded.latest_invoice as Stripe.Invoice).object).toBe('invoice');
    expect((expanded.discounts[0] as Stripe.Discount).promotion_code).toEqual(expect.stringMatching(/^promo_/));
    expect((expanded.items.data[0]?.price.product as Stripe.Product).id).toBe('prod_plan');
    expect((expanded.customer as Stripe.Customer).email).toBe('renew@example.com');
  });
});
