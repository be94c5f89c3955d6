import type Stripe from 'stripe';
import type { EmulatorControlError } from '../../bin/stripe-emulator/client';
import { useShop, types, type Shop } from './shop';
import { rejection } from './support';

describe('Stripe emulator: held-back events and replays of a customer’s history', () => {
  let shop: Shop;

  useShop((opened) => (shop = opened));

  /** Everything one customer does in a year, with every event held back. */
  const history = async (): Promise<Stripe.Event[]> => {
    const held = { account: shop.account, deliver: false };
    await shop.stripe.coupons.create({ id: 'HALF', percent_off: 50, duration: 'repeating', duration_in_months: 2 }, shop.on);
    await shop.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: 'HALF' }, code: 'JANE' }, shop.on);
    await shop.h.control.waitForDeliveries();
    shop.receiver.received.length = 0;

    const checkout = await shop.h.control.simulateCheckout({
      ...held,
      kind: 'subscription',
      customer: { email: 'history@example.com', metadata: { tally_affiliate: 'jane' } },
      lineItems: [{ unitAmount: 2000, recurring: { interval: 'month' } }],
      promotionCode: 'JANE',
    });
    const subscription = checkout.subscription?.id as string;
    const renewal = await shop.h.control.simulateRenewal({ ...held, subscription });
    const declined = await shop.h.control.simulateRenewal({ ...held, subscription, fail: true });
    const recovered = await shop.h.control.simulateRenewal({ ...held, subscription });
    const refund = await shop.h.control.simulateRefund({ ...held, charge: renewal.charge?.id as string, amount: 500 });
    const dispute = await shop.h.control.simulateDispute({ ...held, charge: checkout.charge?.id as string });
    const lost = await shop.h.control.closeDispute(dispute.dispute.id, { ...held, outcome: 'lost' });
    const oneOff = await shop.h.control.simulateInvoice({ ...held, customer: checkout.customer?.id as string, lineItems: [{ unitAmount: 300 }] });
    const cancel = await shop.h.control.cancelSubscription({ ...held, subscription, atPeriodEnd: true });
    const ended = await shop.h.control.advanceTime(40 * 86_400, { deliver: false });
    return [checkout, renewal, declined, recovered, refund, dispute, lost, oneOff, cancel, ended].flatMap((step) => step.events);
  };

  it('records held-back events without delivering any, ready to be sent later', async () => {
    const events = await history();
    await shop.h.control.waitForDeliveries();

    expect(shop.receiver.received).toEqual([]);
    const ids = new Set(events.map((event) => event.id));
    expect((await shop.h.control.deliveries({ account: shop.account })).filter((delivery) => ids.has(delivery.eventId))).toEqual([]);
    expect(ids.size).toBe(events.length);
    expect(events.every((event) => event.account === shop.account && event.livemode === false && event.pending_webhooks === 1)).toBe(true);
    expect(types(events)).toEqual(expect.arrayContaining(['invoice.paid', 'invoice.payment_failed', 'charge.refunded', 'charge.dispute.closed', 'customer.subscription.deleted']));
    // The history spans months: only its last 30 days are still listed, as Stripe keeps them.
    const { now } = await shop.h.control.advanceTime(0);
    const recent = events.filter((event) => event.created > now - 30 * 86_400);
    const listed = await shop.stripe.events.list({ limit: 100 }, shop.on).autoPagingToArray({ limit: 1000 });
    expect(recent.length).toBeGreaterThan(0);
    expect(listed.map((event) => event.id)).toEqual(expect.arrayContaining(recent.map((event) => event.id)));
    expect(await shop.stripe.events.retrieve(recent[0]?.id as string, {}, shop.on)).toEqual(recent[0]);
  });

  it('delivers a whole history shuffled and duplicated, each copy signed and identical to the recorded event', async () => {
    const events = await history();

    const { events: shuffled } = await shop.h.control.sendEvents({ account: shop.account }, events, { order: 'shuffled', seed: 1234 });
    await shop.h.control.sendEvents({ account: shop.account }, events.slice(0, 5), { order: 'shuffled', seed: 99 });
    await shop.h.control.redeliver({ account: shop.account }, events.at(-1)?.id as string, { times: 3, concurrent: true });
    await shop.h.control.waitForDeliveries();

    const received = shop.received();
    const byId = new Map(events.map((event) => [event.id, event]));
    expect(shuffled.map((event) => event.id)).not.toEqual(events.map((event) => event.id));
    expect(received).toHaveLength(events.length + 5 + 3);
    expect(new Set(received.map((event) => event.id))).toEqual(new Set(byId.keys()));
    for (const event of received) {
      const recorded = byId.get(event.id) as Stripe.Event;
      expect([event.type, event.created, event.account, event.data]).toEqual([recorded.type, recorded.created, recorded.account, recorded.data]);
    }
  });

  it('replays the same shuffled order for the same seed', async () => {
    const events = await history();

    const first = await shop.h.control.sendEvents({ account: shop.account }, events, { order: 'shuffled', seed: 7 });
    const second = await shop.h.control.sendEvents({ account: shop.account }, events, { order: 'shuffled', seed: 7 });

    expect(second.events.map((event) => event.id)).toEqual(first.events.map((event) => event.id));
  });

  it('refuses simulations on unknown accounts (404) and malformed ones (400)', async () => {
    const unknown = (await rejection(shop.h.control.simulatePayment({ account: 'acct_unknown', amount: 100 }))) as unknown as EmulatorControlError;
    const malformed = (await rejection(shop.h.control.simulatePayment({ account: shop.account, amount: -5 }))) as unknown as EmulatorControlError;
    const neither = (await rejection(shop.h.control.simulateCheckout({ account: shop.account }))) as unknown as EmulatorControlError;

    expect(unknown.status).toBe(404);
    expect(malformed.status).toBe(400);
    expect(neither.status).toBe(400);
  });
});
