import type Stripe from 'stripe';
import { api } from '../support/api';
import { commissionsOf, deliver, delivered, lineAmounts, on, product, purchasesOf, type SellingMerchant, sellingMerchant, testSecret } from '../support/purchases';
import { emulator } from '../support/stripe';

/** A referred one-off payment of `amount` through Checkout (20 % commission). */
const referredPayment = async (merchant: SellingMerchant, amount = 10_000, deliverEvents = true) =>
  emulator().simulateCheckout({
    ...on(merchant),
    kind: 'payment',
    customer: { metadata: { tally_affiliate: merchant.affiliate.referralCode } },
    lineItems: [product('prod_widget', amount)],
    deliver: deliverEvents,
  });

/** A referred subscription (its first invoice is the purchase). */
const referredSubscription = (merchant: SellingMerchant, amount = 10_000) =>
  emulator().simulateCheckout({
    ...on(merchant),
    kind: 'subscription',
    clientReferenceId: merchant.affiliate.referralCode,
    lineItems: [product('prod_plan', amount, { recurring: { interval: 'month' } })],
  });

const onlyCommission = async (merchant: SellingMerchant) => {
  const commissions = await commissionsOf(merchant);
  expect(commissions).toHaveLength(1);
  return commissions[0];
};

const sendAll = async (events: Stripe.Event[]) => {
  const secret = await testSecret();
  const outcomes: string[] = [];
  for (const event of events) {
    const response = await deliver(event, secret);
    expect(response.status).toBe(200);
    outcomes.push(response.body.outcome);
  }
  return outcomes;
};

describe('refunds', () => {
  it('takes back the refunded share of a payment without an invoice', async () => {
    const merchant = await sellingMerchant();
    const { charge } = await referredPayment(merchant);
    await emulator().simulateRefund({ ...on(merchant), charge: charge?.id, amount: 2_500 });
    await delivered();
    expect((await purchasesOf(merchant))[0].refunded).toEqual({ amount: 2_500, currency: 'usd' });
    const commission = await onlyCommission(merchant);
    expect(lineAmounts(commission)).toEqual([['earned', 2_000], ['adjusted', -500]]);
    expect(commission).toMatchObject({ status: 'approved', amount: { amount: 1_500 } });
  });

  it('reverses the whole commission when a subscription\'s invoice is refunded in full', async () => {
    const merchant = await sellingMerchant();
    const { paymentIntent } = await referredSubscription(merchant);
    await emulator().simulateRefund({ ...on(merchant), paymentIntent: paymentIntent?.id });
    await delivered();
    const commission = await onlyCommission(merchant);
    expect(lineAmounts(commission)).toEqual([['earned', 2_000], ['reversed', -2_000]]);
    expect(commission).toMatchObject({ status: 'reversed', amount: { amount: 0 } });
  });

  it('adds up several partial refunds, to exactly zero when they reach the total', async () => {
    const merchant = await sellingMerchant({ plan: { rate: { percentBps: 1_111 } } });
    const { charge } = await referredPayment(merchant, 9_999);
    for (const amount of [3_333, 3_333, 3_333]) await emulator().simulateRefund({ ...on(merchant), charge: charge?.id, amount });
    await delivered();
    const commission = await onlyCommission(merchant);
    expect(lineAmounts(commission)).toEqual([['earned', 1_111], ['adjusted', -370], ['adjusted', -371], ['reversed', -370]]);
    expect(commission.status).toBe('reversed');
  });

  it('gives the share back when a pending refund fails', async () => {
    const merchant = await sellingMerchant();
    const { charge } = await referredPayment(merchant);
    const { refund } = await emulator().simulateRefund({ ...on(merchant), charge: charge?.id, amount: 5_000, status: 'pending' });
    await emulator().settleRefund(refund.id, { ...on(merchant), status: 'failed' });
    await delivered();
    expect(lineAmounts(await onlyCommission(merchant))).toEqual([['earned', 2_000], ['adjusted', -1_000], ['adjusted', 1_000]]);
    expect((await purchasesOf(merchant))[0].refunded.amount).toBe(0);
  });

  it('reads the refunds of a charge when only charge.refunded arrives', async () => {
    const merchant = await sellingMerchant();
    const { charge } = await referredPayment(merchant);
    const { events } = await emulator().simulateRefund({ ...on(merchant), charge: charge?.id, amount: 4_000, deliver: false });
    await delivered();
    await sendAll(events.filter((event) => event.type === 'charge.refunded'));
    expect(lineAmounts(await onlyCommission(merchant))).toEqual([['earned', 2_000], ['adjusted', -800]]);
    await sendAll(events.filter((event) => event.type === 'refund.created'));
    expect(lineAmounts(await onlyCommission(merchant))).toEqual([['earned', 2_000], ['adjusted', -800]]);
  });

  it('keeps a refund that arrives before its payment, and applies it when the payment is recorded', async () => {
    const merchant = await sellingMerchant();
    const purchase = await referredPayment(merchant, 10_000, false);
    const refund = await emulator().simulateRefund({ ...on(merchant), charge: purchase.charge?.id, amount: 1_000, deliver: false });
    const outcomes = await sendAll(refund.events);
    expect(outcomes.every((outcome) => outcome.startsWith('parked:'))).toBe(true);
    expect(await purchasesOf(merchant)).toEqual([]);

    await sendAll(purchase.events);
    expect((await purchasesOf(merchant))[0].refunded.amount).toBe(1_000);
    expect(lineAmounts(await onlyCommission(merchant))).toEqual([['earned', 2_000], ['adjusted', -200]]);
  });

  it('shows a refund after payout as a negative line: the commission stays paid and the balance goes negative', async () => {
    const merchant = await sellingMerchant();
    const { charge } = await referredPayment(merchant);
    await delivered();
    const payout = await api('POST', '/v1/payouts', { key: merchant.apiKey, query: { mode: 'test' }, body: { affiliateId: merchant.affiliate.id } });
    expect(payout.status).toBe(201);
    await emulator().simulateRefund({ ...on(merchant), charge: charge?.id });
    await delivered();
    const commission = await onlyCommission(merchant);
    expect(lineAmounts(commission)).toEqual([['earned', 2_000], ['paid', -2_000], ['reversed', -2_000]]);
    expect(commission).toMatchObject({ status: 'paid', amount: { amount: 0 }, paid: { amount: 2_000 }, balance: { amount: -2_000 } });
  });
});

describe('disputes', () => {
  it('holds the commission while a dispute is open and releases it when won', async () => {
    const merchant = await sellingMerchant();
    const { charge } = await referredPayment(merchant);
    const { dispute } = await emulator().simulateDispute({ ...on(merchant), charge: charge?.id as string });
    await delivered();
    expect(await onlyCommission(merchant)).toMatchObject({ status: 'held', amount: { amount: 2_000 } });
    expect((await commissionsOf(merchant, { status: 'held' })).map((held) => held.id)).toHaveLength(1);
    expect(await commissionsOf(merchant, { status: 'approved' })).toEqual([]);

    await emulator().closeDispute(dispute.id, { ...on(merchant), outcome: 'won' });
    await delivered();
    const commission = await onlyCommission(merchant);
    expect(lineAmounts(commission)).toEqual([['earned', 2_000], ['held', 0], ['released', 0]]);
    expect(commission.status).toBe('approved');
  });

  it('reverses the commission when the dispute is lost', async () => {
    const merchant = await sellingMerchant();
    const { charge } = await referredSubscription(merchant);
    const { dispute } = await emulator().simulateDispute({ ...on(merchant), charge: charge?.id as string });
    await emulator().closeDispute(dispute.id, { ...on(merchant), outcome: 'lost' });
    await delivered();
    const commission = await onlyCommission(merchant);
    expect(lineAmounts(commission)).toEqual([['earned', 2_000], ['held', 0], ['reversed', -2_000]]);
    expect(commission).toMatchObject({ status: 'reversed', amount: { amount: 0 } });
  });

  it('keeps a dispute that arrives before the charge is known, and applies it with the payment', async () => {
    const merchant = await sellingMerchant();
    const purchase = await referredPayment(merchant, 10_000, false);
    const opened = await emulator().simulateDispute({ ...on(merchant), charge: purchase.charge?.id as string, deliver: false });
    const closed = await emulator().closeDispute(opened.dispute.id, { ...on(merchant), outcome: 'lost', deliver: false });
    await sendAll([...closed.events, ...opened.events]);
    await sendAll(purchase.events);
    expect(await onlyCommission(merchant)).toMatchObject({ status: 'reversed', amount: { amount: 0 } });
  });
});
