import type Stripe from 'stripe';
import { useShop, type Shop } from './shop';
import { rejection } from './support';

const DAY = 86_400;

describe('Stripe emulator: listing events, paid invoices and charges as a resync reads them', () => {
  let shop: Shop;

  let authorized: Stripe.Event[] = [];

  useShop((opened) => (shop = opened));
  beforeEach(async () => {
    authorized = (await shop.stripe.events.list({ limit: 100 }, shop.on)).data;
  });

  /** The events of connecting the shop, before each test. */
  const connected = () => authorized.map((event) => event.id);

  const checkout = (email: string, unitAmount = 2000) =>
    shop.h.control.simulateCheckout({
      account: shop.account,
      kind: 'subscription',
      customer: { email },
      lineItems: [{ unitAmount, recurring: { interval: 'month' } }],
    });

  it('lists an account’s events newest first, filtered by `created` and `types[]`, page after page', async () => {
    const first = await checkout('first@example.com');
    await shop.h.control.advanceClock(2 * DAY);
    const second = await checkout('second@example.com');
    const since = Math.min(...second.events.map((event) => event.created));

    const listed = await shop.stripe.events
      .list({ created: { gte: since }, types: ['invoice.paid', 'charge.succeeded'], limit: 1 }, shop.on)
      .autoPagingToArray({ limit: 100 });
    const everything = await shop.stripe.events.list({ limit: 100 }, shop.on);
    const page = await shop.stripe.events.list({ limit: 2 }, shop.on);
    const next = await shop.stripe.events.list({ limit: 2, starting_after: page.data[1]?.id as string }, shop.on);

    const wanted = second.events.filter((event) => event.type === 'invoice.paid' || event.type === 'charge.succeeded');
    expect(wanted.length).toBeGreaterThanOrEqual(2);
    expect(listed.map((event) => event.id)).toEqual(wanted.map((event) => event.id).reverse());
    expect(listed.every((event) => event.account === shop.account && event.api_version === '2026-10-28.endive' && event.livemode === false)).toBe(true);
    // Connecting the account came first: `account.application.authorized`.
    expect(everything.data.map((event) => event.id)).toEqual([...first.events, ...second.events].map((event) => event.id).reverse().concat(connected()));
    expect(everything).toMatchObject({ object: 'list', url: '/v1/events', has_more: false });
    expect(page.has_more).toBe(true);
    expect(next.data[0]?.id).toBe(everything.data[2]?.id);
  });

  it('keeps events per account and mode: the platform and live mode do not see a test account’s events', async () => {
    await checkout('scoped@example.com');

    const platform = await shop.h.stripe().events.list({ types: ['invoice.paid'] });
    const live = await shop.h.stripe('live').events.list({ types: ['invoice.paid'] });
    const own = await shop.stripe.events.list({ types: ['invoice.paid'] }, shop.on);

    expect(own.data).toHaveLength(1);
    expect(platform.data).toEqual([]);
    expect(live.data).toEqual([]);
  });

  it('forgets events after 30 days, as Stripe does', async () => {
    const old = await checkout('old@example.com');
    await shop.h.control.advanceClock(31 * DAY);
    const recent = await checkout('recent@example.com');

    const listed = await shop.stripe.events.list({ limit: 100 }, shop.on).autoPagingToArray({ limit: 1000 });
    const missing = await rejection(shop.stripe.events.retrieve(old.events[0]?.id as string, {}, shop.on));

    expect(listed.map((event) => event.id)).toEqual(recent.events.map((event) => event.id).reverse());
    expect(missing.statusCode).toBe(404);
  });

  it('refuses `type` together with `types[]`', async () => {
    const refused = await rejection(shop.stripe.events.list({ type: 'invoice.paid', types: ['charge.succeeded'] }, shop.on));

    expect([refused.statusCode, refused.param]).toEqual([400, 'types']);
  });

  it('drops the webhook deliveries of the next events, which `GET /v1/events` still has for the receiver to recover', async () => {
    await shop.h.control.dropDeliveries({ events: 3, account: shop.account });
    const bought = await checkout('dropped@example.com');
    await shop.h.control.waitForDeliveries();

    const lost = bought.events.slice(0, 3).map((event) => event.id);
    const received = shop.received().map((event) => event.id);
    const undelivered = await shop.stripe.events.list({ delivery_success: false, limit: 100 }, shop.on);
    const delivered = await shop.stripe.events.list({ delivery_success: true, limit: 100 }, shop.on);
    const { dropped, rule } = await shop.h.control.droppedDeliveries();

    expect(bought.events.length).toBeGreaterThan(3);
    expect(received).toEqual(bought.events.slice(3).map((event) => event.id));
    expect(undelivered.data.map((event) => event.id)).toEqual([...lost].reverse());
    expect(undelivered.data.every((event) => event.pending_webhooks === 1)).toBe(true);
    expect(delivered.data.map((event) => event.id)).toEqual([...received].reverse().concat(connected()));
    expect(delivered.data.every((event) => event.pending_webhooks === 0)).toBe(true);
    expect(dropped.map((entry) => entry.eventId)).toEqual(lost);
    expect(rule).toBeNull();

    await shop.h.control.redeliver({ account: shop.account }, lost[0] as string);
    await shop.h.control.waitForDeliveries();
    expect((await shop.stripe.events.retrieve(lost[0] as string, {}, shop.on)).pending_webhooks).toBe(0);
  });

  it('drops a repeatable share of the deliveries, only of the types asked for, until told to stop', async () => {
    const pick = async (): Promise<string[]> => {
      await shop.h.control.dropDeliveries({ share: 0.5, seed: 42, types: ['invoice.paid', 'charge.succeeded', 'customer.created'] });
      for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) await checkout(email);
      const { dropped } = await shop.h.control.droppedDeliveries();
      return dropped.map((entry) => entry.type);
    };

    const first = await pick();
    await shop.reset();
    const second = await pick();
    await shop.h.control.stopDroppingDeliveries();
    const after = await checkout('after@example.com');
    await shop.h.control.waitForDeliveries();

    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(9);
    expect(second).toEqual(first);
    expect(first.every((type) => ['invoice.paid', 'charge.succeeded', 'customer.created'].includes(type))).toBe(true);
    expect(shop.received().map((event) => event.id)).toEqual(expect.arrayContaining(after.events.map((event) => event.id)));
  });

  it('lists paid invoices and charges created since a time, page after page', async () => {
    const before = await checkout('before@example.com', 1000);
    await shop.h.control.simulateInvoice({ account: shop.account, customer: before.customer?.id as string, lineItems: [{ unitAmount: 700 }], fail: true });
    await shop.h.control.advanceClock(DAY);
    const since = (await shop.h.control.advanceTime(0)).now;
    const paid = [await checkout('one@example.com', 1100), await checkout('two@example.com', 1200), await checkout('three@example.com', 1300)];
    await shop.h.control.simulateInvoice({ account: shop.account, customer: paid[0]?.customer?.id as string, lineItems: [{ unitAmount: 900 }], fail: true });

    const invoices = await shop.stripe.invoices.list({ status: 'paid', created: { gte: since }, limit: 2 }, shop.on).autoPagingToArray({ limit: 100 });
    const charges = await shop.stripe.charges.list({ created: { gte: since }, limit: 2 }, shop.on).autoPagingToArray({ limit: 100 });
    const older = await shop.stripe.charges.list({ created: { lt: since } }, shop.on);

    expect(invoices.map((invoice) => invoice.id)).toEqual(paid.map((result) => result.invoice?.id).reverse());
    expect(invoices.every((invoice: Stripe.Invoice) => invoice.status === 'paid' && invoice.created >= since)).toBe(true);
    expect(charges.filter((charge) => charge.status === 'succeeded').map((charge) => charge.id)).toEqual(paid.map((result) => result.charge?.id).reverse());
    expect(older.data.map((charge) => charge.id)).toContain(before.charge?.id);
  });

  it('lists refunds and disputes by `created`', async () => {
    const bought = await checkout('refunds@example.com');
    const refund = await shop.h.control.simulateRefund({ account: shop.account, charge: bought.charge?.id as string, amount: 500 });
    await shop.h.control.advanceClock(DAY);
    const since = (await shop.h.control.advanceTime(0)).now;
    const dispute = await shop.h.control.simulateDispute({ account: shop.account, charge: bought.charge?.id as string });

    const refunds = await shop.stripe.refunds.list({ created: { lt: since } }, shop.on);
    const laterRefunds = await shop.stripe.refunds.list({ created: { gte: since } }, shop.on);
    const disputes = await shop.stripe.disputes.list({ created: { gte: since } }, shop.on);

    expect(refunds.data.map((item) => item.id)).toEqual([refund.refund.id]);
    expect(laterRefunds.data).toEqual([]);
    expect(disputes.data.map((item) => item.id)).toEqual([dispute.dispute.id]);
  });
});
