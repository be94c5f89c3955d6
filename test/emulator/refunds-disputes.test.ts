import type Stripe from 'stripe';
import type { EmulatorControlError } from '../../bin/stripe-emulator/client';
import { objectOf, types, useShop, type Shop } from './shop';
import { rejection } from './support';

describe('Stripe emulator: refunds and disputes', () => {
  let shop: Shop;
  let charge: Stripe.Charge;

  useShop((opened) => (shop = opened));
  beforeEach(async () => {
    charge = (await shop.h.control.simulatePayment({ account: shop.account, customer: { email: 'r@example.com' }, amount: 10_000 })).charge;
  });

  const refundedTotals = (event: Stripe.Event | undefined) => {
    const refunded = objectOf<Stripe.Charge>(event);
    return [refunded.amount_refunded, refunded.refunded, event?.data.previous_attributes];
  };

  it('refunds part of a charge: charge.refunded with the new totals and previous_attributes, then refund.created', async () => {
    const refund = await shop.stripe.refunds.create({ charge: charge.id, amount: 2500, reason: 'requested_by_customer', metadata: { ticket: '7' } }, shop.on);
    await shop.h.control.waitForDeliveries();

    const events = shop.received().filter((event) => event.type.startsWith('charge.refunded') || event.type.startsWith('refund.'));
    expect(refund).toMatchObject({
      id: expect.stringMatching(/^re_/),
      object: 'refund',
      amount: 2500,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      currency: 'usd',
      status: 'succeeded',
      reason: 'requested_by_customer',
      metadata: { ticket: '7' },
    });
    expect(types(events)).toEqual(['charge.refunded', 'refund.created']);
    expect(refundedTotals(events[0])).toEqual([2500, false, { amount_refunded: 0 }]);
    expect(objectOf<Stripe.Refund>(events[1])).toEqual(refund);
    expect(await shop.stripe.charges.retrieve(charge.id, {}, shop.on)).toMatchObject({ amount_refunded: 2500, refunded: false });
  });

  it('refunds in several parts, then the rest by default, and lists the refunds of a charge', async () => {
    const first = await shop.h.control.simulateRefund({ account: shop.account, charge: charge.id, amount: 1000 });
    const second = await shop.h.control.simulateRefund({ account: shop.account, paymentIntent: charge.payment_intent as string, amount: 2000 });
    const rest = await shop.h.control.simulateRefund({ account: shop.account, charge: charge.id });

    const listed = await shop.stripe.refunds.list({ charge: charge.id }, shop.on);
    const withRefunds = await shop.stripe.charges.retrieve(charge.id, { expand: ['refunds'] }, shop.on);

    expect([first, second, rest].map(({ refund }) => refund.amount)).toEqual([1000, 2000, 7000]);
    expect([first, second, rest].map(({ events }) => refundedTotals(events[0]))).toEqual([
      [1000, false, { amount_refunded: 0 }],
      [3000, false, { amount_refunded: 1000 }],
      [10_000, true, { amount_refunded: 3000, refunded: false }],
    ]);
    expect(rest.charge).toMatchObject({ amount_refunded: 10_000, refunded: true });
    expect(listed.data.map((refund) => refund.amount)).toEqual([7000, 2000, 1000]);
    expect(withRefunds.refunds?.data).toHaveLength(3);
  });

  it('refuses to refund more than is left, and a charge already refunded, changing nothing', async () => {
    await shop.stripe.refunds.create({ charge: charge.id, amount: 6000 }, shop.on);

    const tooMuch = await rejection(shop.stripe.refunds.create({ charge: charge.id, amount: 5000 }, shop.on));
    await shop.stripe.refunds.create({ charge: charge.id }, shop.on);
    const again = await rejection(shop.stripe.refunds.create({ charge: charge.id }, shop.on));
    const neither = await rejection(shop.stripe.refunds.create({ amount: 100 }, shop.on));

    expect(tooMuch).toMatchObject({ statusCode: 400, param: 'amount', message: 'Refund amount ($50.00) is greater than unrefunded amount on charge ($40.00)' });
    expect(again).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
    expect(neither).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect((await shop.stripe.refunds.list({ charge: charge.id }, shop.on)).data.map((refund) => refund.amount)).toEqual([4000, 6000]);
  });

  it('settles a pending refund: refund.updated from pending to succeeded', async () => {
    const { refund, charge: pendingCharge, events } = await shop.h.control.simulateRefund({ account: shop.account, charge: charge.id, amount: 3000, status: 'pending' });

    const settled = await shop.h.control.settleRefund(refund.id, { account: shop.account, status: 'succeeded' });
    const twice = (await rejection(shop.h.control.settleRefund(refund.id, { account: shop.account, status: 'failed' }))) as unknown as EmulatorControlError;

    expect(refund.status).toBe('pending');
    expect(pendingCharge.amount_refunded).toBe(3000);
    expect(types(events)).toEqual(['charge.refunded', 'refund.created']);
    expect(types(settled.events)).toEqual(['refund.updated']);
    expect(settled.events[0]?.data).toMatchObject({ object: { id: refund.id, status: 'succeeded' }, previous_attributes: { status: 'pending' } });
    expect(settled.charge.amount_refunded).toBe(3000);
    expect(twice.status).toBe(400);
  });

  it('fails a pending refund: refund.updated and refund.failed, and the charge gets the amount back', async () => {
    const { refund } = await shop.h.control.simulateRefund({ account: shop.account, charge: charge.id, status: 'pending' });

    const failed = await shop.h.control.settleRefund(refund.id, { account: shop.account, status: 'failed' });

    expect(types(failed.events)).toEqual(['refund.updated', 'refund.failed']);
    expect(failed.refund).toMatchObject({ status: 'failed', failure_reason: expect.any(String) });
    expect(failed.charge).toMatchObject({ amount_refunded: 0, refunded: false });
    expect((await shop.stripe.refunds.create({ charge: charge.id, amount: 100 }, shop.on)).amount).toBe(100);
  });

  it('opens a dispute: charge.dispute.created (needs_response) and charge.dispute.funds_withdrawn', async () => {
    const { dispute, charge: disputed, events } = await shop.h.control.simulateDispute({ account: shop.account, charge: charge.id });
    await shop.h.control.waitForDeliveries();

    expect(dispute).toMatchObject({
      id: expect.stringMatching(/^du_/),
      object: 'dispute',
      status: 'needs_response',
      amount: 10_000,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      reason: 'fraudulent',
      is_charge_refundable: false,
    });
    expect(disputed.disputed).toBe(true);
    expect(types(events)).toEqual(['charge.dispute.created', 'charge.dispute.funds_withdrawn']);
    expect(shop.received().slice(-2).map((event) => [event.type, event.account, objectOf<Stripe.Dispute>(event).status])).toEqual([
      ['charge.dispute.created', shop.account, 'needs_response'],
      ['charge.dispute.funds_withdrawn', shop.account, 'needs_response'],
    ]);
    expect((await shop.stripe.disputes.list({ charge: charge.id }, shop.on)).data.map((listed) => listed.id)).toEqual([dispute.id]);
  });

  it('closes a dispute won: charge.dispute.closed (won) then charge.dispute.funds_reinstated', async () => {
    const { dispute } = await shop.h.control.simulateDispute({ account: shop.account, charge: charge.id, amount: 4000 });

    const closed = await shop.h.control.closeDispute(dispute.id, { account: shop.account, outcome: 'won' });

    expect(types(closed.events)).toEqual(['charge.dispute.closed', 'charge.dispute.funds_reinstated']);
    expect(closed.dispute).toMatchObject({ status: 'won', amount: 4000 });
    expect((await shop.stripe.disputes.retrieve(dispute.id, {}, shop.on)).status).toBe('won');
  });

  it('closes a dispute lost (simulated, or accepted with disputes.close) and then refuses refunds', async () => {
    const { dispute } = await shop.h.control.simulateDispute({ account: shop.account, charge: charge.id });
    const other = (await shop.h.control.simulatePayment({ account: shop.account, amount: 500 })).charge;
    const { dispute: second } = await shop.h.control.simulateDispute({ account: shop.account, charge: other.id });

    const lost = await shop.h.control.closeDispute(dispute.id, { account: shop.account, outcome: 'lost' });
    const accepted = await shop.stripe.disputes.close(second.id, {}, shop.on);
    const closedTwice = await rejection(shop.stripe.disputes.close(second.id, {}, shop.on));
    const refund = await rejection(shop.stripe.refunds.create({ charge: charge.id }, shop.on));
    await shop.h.control.waitForDeliveries();

    expect(types(lost.events)).toEqual(['charge.dispute.closed']);
    expect(objectOf<Stripe.Dispute>(lost.events[0]).status).toBe('lost');
    expect(accepted.status).toBe('lost');
    expect(closedTwice).toMatchObject({ statusCode: 400 });
    expect(refund).toMatchObject({ statusCode: 400, code: 'charge_disputed' });
    expect(shop.received().filter((event) => event.type === 'charge.dispute.closed').map((event) => objectOf<Stripe.Dispute>(event).id)).toEqual([dispute.id, second.id]);
  });

  it('refuses a second dispute on the same charge and one larger than the charge', async () => {
    const tooLarge = (await rejection(shop.h.control.simulateDispute({ account: shop.account, charge: charge.id, amount: 10_001 }))) as unknown as EmulatorControlError;
    await shop.h.control.simulateDispute({ account: shop.account, charge: charge.id });
    const second = (await rejection(shop.h.control.simulateDispute({ account: shop.account, charge: charge.id }))) as unknown as EmulatorControlError;

    expect(tooLarge.status).toBe(400);
    expect(second.status).toBe(400);
  });
});
