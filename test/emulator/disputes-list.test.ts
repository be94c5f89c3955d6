import { useShop, type Shop } from './shop';
import { rejection } from './support';

const DAY = 86_400;

describe('Stripe emulator: GET /v1/disputes', () => {
  let shop: Shop;

  useShop((opened) => (shop = opened));

  /** A payment through Checkout, disputed: the dispute and the payment it belongs to. */
  const disputedPayment = async (unitAmount: number) => {
    const sale = await shop.h.control.simulateCheckout({
      account: shop.account,
      kind: 'payment',
      customer: { email: `dispute-${unitAmount}@example.com` },
      lineItems: [{ unitAmount }],
    });
    const { dispute } = await shop.h.control.simulateDispute({ account: shop.account, charge: sale.charge?.id as string });
    return { dispute, charge: sale.charge?.id as string, paymentIntent: sale.paymentIntent?.id as string };
  };

  const ids = (list: { data: { id: string }[] }) => list.data.map((item) => item.id);

  it('lists an account’s disputes newest first, page after page in both directions', async () => {
    const disputes = [];
    for (const amount of [1_000, 2_000, 3_000, 4_000, 5_000]) disputes.push((await disputedPayment(amount)).dispute);
    const newestFirst = disputes.map((dispute) => dispute.id).reverse();

    const all = await shop.stripe.disputes.list({}, shop.on);
    const first = await shop.stripe.disputes.list({ limit: 2 }, shop.on);
    const second = await shop.stripe.disputes.list({ limit: 2, starting_after: first.data[1]?.id as string }, shop.on);
    const last = await shop.stripe.disputes.list({ limit: 2, starting_after: second.data[1]?.id as string }, shop.on);
    const back = await shop.stripe.disputes.list({ limit: 2, ending_before: last.data[0]?.id as string }, shop.on);
    const start = await shop.stripe.disputes.list({ limit: 2, ending_before: first.data[1]?.id as string }, shop.on);
    const paged = await shop.stripe.disputes.list({ limit: 2 }, shop.on).autoPagingToArray({ limit: 100 });

    expect(all).toMatchObject({ object: 'list', url: '/v1/disputes', has_more: false });
    expect(ids(all)).toEqual(newestFirst);
    expect(all.data[0]).toEqual(disputes.at(-1));
    expect([ids(first), first.has_more]).toEqual([newestFirst.slice(0, 2), true]);
    expect([ids(second), second.has_more]).toEqual([newestFirst.slice(2, 4), true]);
    expect([ids(last), last.has_more]).toEqual([newestFirst.slice(4), false]);
    expect([ids(back), back.has_more]).toEqual([newestFirst.slice(2, 4), true]);
    expect([ids(start), start.has_more]).toEqual([newestFirst.slice(0, 1), false]);
    expect(paged.map((dispute) => dispute.id)).toEqual(newestFirst);
  });

  it('filters by `charge`, `payment_intent` and a `created` range', async () => {
    const old = await disputedPayment(1_500);
    await shop.h.control.advanceClock(DAY);
    const since = (await shop.h.control.advanceTime(0)).now;
    const recent = await disputedPayment(2_500);
    const latest = await disputedPayment(3_500);

    const byCharge = await shop.stripe.disputes.list({ charge: recent.charge }, shop.on);
    const byPaymentIntent = await shop.stripe.disputes.list({ payment_intent: latest.paymentIntent }, shop.on);
    const mismatched = await shop.stripe.disputes.list({ charge: recent.charge, payment_intent: latest.paymentIntent }, shop.on);
    const sinceThen = await shop.stripe.disputes.list({ created: { gte: since } }, shop.on);
    const before = await shop.stripe.disputes.list({ created: { lt: since } }, shop.on);
    const exact = await shop.stripe.disputes.list({ created: old.dispute.created }, shop.on);
    const recentPage = await shop.stripe.disputes.list({ created: { gte: since }, limit: 1 }, shop.on);

    expect(ids(byCharge)).toEqual([recent.dispute.id]);
    expect(ids(byPaymentIntent)).toEqual([latest.dispute.id]);
    expect(ids(mismatched)).toEqual([]);
    expect(ids(sinceThen)).toEqual([latest.dispute.id, recent.dispute.id]);
    expect(ids(before)).toEqual([old.dispute.id]);
    expect(ids(exact)).toEqual([old.dispute.id]);
    expect([ids(recentPage), recentPage.has_more]).toEqual([[latest.dispute.id], true]);
  });

  it('keeps disputes per account and mode', async () => {
    await disputedPayment(1_200);

    const platform = await shop.h.stripe().disputes.list();
    const live = await shop.h.stripe('live').disputes.list();
    const other = await shop.stripe.disputes.list({}, { stripeAccount: await shop.h.connect('test') });

    expect([platform.data, live.data, other.data]).toEqual([[], [], []]);
    expect((await shop.stripe.disputes.list({}, shop.on)).data).toHaveLength(1);
  });

  it('refuses an unknown cursor and parameters it does not take', async () => {
    await disputedPayment(1_300);

    const cursor = await rejection(shop.stripe.disputes.list({ starting_after: 'du_missing' }, shop.on));
    const unknown = await rejection(shop.stripe.disputes.list({ customer: 'cus_1' } as never, shop.on));
    const tooMany = await rejection(shop.stripe.disputes.list({ limit: 101 }, shop.on));

    expect([cursor.statusCode, cursor.code, cursor.param]).toEqual([400, 'resource_missing', 'starting_after']);
    expect([unknown.statusCode, unknown.param]).toEqual([400, 'customer']);
    expect(tooMany.statusCode).toBe(400);
  });
});
