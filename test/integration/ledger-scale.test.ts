import { commissionIdOf } from '../../lambdas/ledger/derive';
import { api } from '../support/api';
import { createAffiliate, unique } from '../support/factories';
import {
  chargeSucceeded,
  correctionDone,
  customerItem,
  customerPartition,
  daysAgo,
  disputeOpened,
  everyPage,
  inParallel,
  invoiceCharged,
  invoicePaid,
  invoicePayment,
  itemSize,
  paidPayout,
  payment,
  recordPaymentEvent,
  recordPurchaseEvent,
  type Subscriber,
  subscriber,
} from '../support/ledger';
import { commissionsOf, delivered, on, type SellingMerchant, sellingMerchant } from '../support/purchases';
import { useStackTable } from '../support/stack';
import { emulator } from '../support/stripe';

/**
 * The ledger at sizes no single item could hold: a customer with thousands of purchases, a late
 * first invoice that re-credits hundreds of renewals, a payout of thousands of commissions, and
 * status lists over thousands of commissions. The long histories are applied in this process
 * through the ledger's own event path (test/support/ledger.ts) against the stack's table, with
 * corrections and payouts carried out by the stack's ledger queue; the small cases of clawback
 * netting go through the Stripe emulator and the webhook like any sale.
 */

jest.setTimeout(170_000);

/**
 * Customers whose events are applied at once. One customer's events go one after another, in
 * Stripe's order, as renewals a period apart arrive (a sibling in flight would only be retried).
 */
const width = 8;
const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const ids = (items: { id: string }[]) => items.map((item) => item.id).sort();
const usd = (amount: number) => [{ amount, currency: 'usd' }];

beforeAll(() => useStackTable());

const pay = (merchant: SellingMerchant, body: Record<string, unknown>) => api('POST', '/v1/payouts', { key: merchant.apiKey, query: { mode: merchant.mode }, body });
const balanceOf = async (merchant: SellingMerchant, affiliateId = merchant.affiliate.id) =>
  (await api('GET', `/v1/affiliates/${affiliateId}/balance`, { key: merchant.apiKey, query: { mode: merchant.mode } })).body;

/** The subscription's first invoice (credited by its Checkout Session), then renewals 1…`renewals`. */
const subscribeAndRenew = async (merchant: SellingMerchant, customer: Subscriber, renewals: number) => {
  await recordPurchaseEvent(merchant, invoicePaid(customer, 0, { clientReferenceId: merchant.affiliate.referralCode }));
  for (const n of numbers(1, renewals)) await recordPurchaseEvent(merchant, invoicePaid(customer, n));
};

describe('one customer with 2,000 renewals', () => {
  const renewals = 2_000;
  let merchant: SellingMerchant;
  let customer: Subscriber;

  beforeAll(async () => {
    merchant = await sellingMerchant();
    customer = subscriber({ amount: 1_000, startedAt: daysAgo(renewals + 5) });
    await subscribeAndRenew(merchant, customer, renewals);
  });

  it('lists every purchase and every commission, page by page', async () => {
    const purchases = await everyPage(merchant, '/v1/purchases', { mode: 'test', limit: 100 });
    expect(new Set(ids(purchases.data)).size).toBe(renewals + 1);
    expect(purchases.data.every((purchase) => purchase.affiliateId === merchant.affiliate.id && purchase.stripe.customerId === customer.customerId)).toBe(true);

    const commissions = await everyPage(merchant, '/v1/commissions', { mode: 'test', limit: 100 });
    expect(new Set(ids(commissions.data)).size).toBe(renewals + 1);
    expect(new Set(commissions.data.map((commission) => `${commission.status} ${commission.amount.amount}`))).toEqual(new Set(['approved 200']));
    expect(ids(commissions.data)).toEqual(purchases.data.map((purchase) => purchase.commissionId).sort());
  });

  it("keeps every item of the customer's partition small, the customer item smallest", async () => {
    const items = await customerPartition(merchant, customer.customerId);
    expect(items).toHaveLength(renewals + 2);
    const largest = Math.max(...items.map(itemSize));
    expect(largest).toBeLessThan(4_096);
    const summary = (await customerItem(merchant, customer.customerId)) as Record<string, unknown>;
    expect(itemSize(summary)).toBeLessThan(1_024);
    // Renewals in order only count: what purchases were derived with never moved, so nothing was corrected.
    expect(summary).toMatchObject({ version: expect.any(Number), summaryVersion: expect.any(Number) });
    expect(summary.summaryVersion as number).toBeLessThan(5);
    expect(summary.version as number).toBeGreaterThan(renewals);
    expect(summary.correction).toBeUndefined();
  });

  it('lists exactly the paid and the held commissions, page by page, merchant-wide and per affiliate', async () => {
    const commissionOf = (purchaseKey: string) => commissionIdOf(merchant, purchaseKey);
    // Of the customer's commissions, 150 are paid (a payout names them) and 30 held (disputed).
    const paidA = numbers(1, 150).map((i) => commissionOf(invoicePaid(customer, i * 13).purchaseKey));
    const disputed = numbers(1, 30).map((i) => i * 13 + 7);
    const heldA = disputed.map((n) => commissionOf(invoicePaid(customer, n).purchaseKey));
    for (const n of disputed) await recordPurchaseEvent(merchant, invoiceCharged(customer, n));
    for (const n of disputed) await recordPaymentEvent(merchant, disputeOpened(invoicePayment(customer, n)));
    expect((await pay(merchant, { affiliateId: merchant.affiliate.id, commissionIds: paidA })).status).toBe(201);

    // Another affiliate's 60 one-off sales: 20 paid, 10 held.
    const other = await createAffiliate(merchant, { referralCode: unique('ref') });
    const sales = numbers(1, 60).map(() => payment({ amount: 2_500 }));
    await inParallel(sales, width, (sale) => recordPurchaseEvent(merchant, chargeSucceeded(sale, other.referralCode)));
    const paidB = sales.slice(0, 20).map((sale) => commissionOf(sale.paymentIntentId));
    const heldB = sales.slice(50).map((sale) => commissionOf(sale.paymentIntentId));
    await inParallel(sales.slice(50), width, (sale) => recordPaymentEvent(merchant, disputeOpened(sale)));
    expect((await pay(merchant, { affiliateId: other.id, commissionIds: paidB })).status).toBe(201);

    const list = async (query: Record<string, string>) => {
      const { data, pages } = await everyPage(merchant, '/v1/commissions', { mode: 'test', limit: 7, ...query });
      expect(data.every((commission) => commission.status === query.status)).toBe(true);
      expect(pages).toBe(Math.max(1, Math.ceil(data.length / 7)));
      return ids(data);
    };
    const sorted = (values: string[]) => [...values].sort();
    expect(await list({ status: 'paid' })).toEqual(sorted([...paidA, ...paidB]));
    expect(await list({ status: 'paid', affiliateId: merchant.affiliate.id })).toEqual(sorted(paidA));
    expect(await list({ status: 'paid', affiliateId: other.id })).toEqual(sorted(paidB));
    expect(await list({ status: 'held' })).toEqual(sorted([...heldA, ...heldB]));
    expect(await list({ status: 'held', affiliateId: merchant.affiliate.id })).toEqual(sorted(heldA));
    expect(await list({ status: 'held', affiliateId: other.id })).toEqual(sorted(heldB));
    const approvedA = await everyPage(merchant, '/v1/commissions', { mode: 'test', status: 'approved', affiliateId: merchant.affiliate.id, limit: 100 });
    expect(approvedA.data).toHaveLength(renewals + 1 - 150 - 30);
  });
});

describe('a first invoice delivered after 300 renewals', () => {
  it("credits every renewal once the customer's correction is done, and the stats count each sale once", async () => {
    const merchant = await sellingMerchant();
    const renewals = 300;
    const customer = subscriber({ amount: 1_000, startedAt: daysAgo(renewals + 5) });
    const period = { from: new Date(customer.startedAt * 1000).toISOString().slice(0, 10), to: new Date().toISOString().slice(0, 10) };
    const stats = async () => (await api('GET', '/v1/stats', { key: merchant.apiKey, query: { mode: 'test', ...period } })).body;
    const derivedPurchases = async () =>
      (await customerPartition(merchant, customer.customerId)).flatMap((item) => ((item.derived as any)?.purchase ? [(item.derived as any).purchase] : []));

    for (const n of numbers(1, renewals)) await recordPurchaseEvent(merchant, invoicePaid(customer, n));
    const before = await derivedPurchases();
    expect(before).toHaveLength(renewals);
    expect(before.every((purchase) => purchase.affiliateId === null && purchase.commissionId === null)).toBe(true);
    expect(await commissionsOf(merchant)).toEqual([]);
    expect(await stats()).toMatchObject({ sales: { count: renewals, amounts: usd(renewals * 1_000) }, commissions: { earned: [] }, topAffiliates: [] });

    // The event itself writes a bounded number of items; the renewals are the correction's to credit.
    const outcome = await recordPurchaseEvent(merchant, invoicePaid(customer, 0, { clientReferenceId: merchant.affiliate.referralCode }));
    expect(outcome).toContain("the customer's other purchases are corrected next");
    await correctionDone(merchant, customer.customerId, 90_000);

    const after = await derivedPurchases();
    expect(after).toHaveLength(renewals + 1);
    expect(after.every((purchase) => purchase.affiliateId === merchant.affiliate.id && purchase.commissionId !== null)).toBe(true);
    const commissions = (await everyPage(merchant, '/v1/commissions', { mode: 'test', affiliateId: merchant.affiliate.id, limit: 100 })).data;
    expect(ids(commissions)).toEqual(after.map((purchase) => purchase.commissionId).sort());
    expect(new Set(commissions.map((commission) => `${commission.status} ${commission.amount.amount}`))).toEqual(new Set(['approved 200']));
    expect(await stats()).toMatchObject({
      sales: { count: renewals + 1, amounts: usd((renewals + 1) * 1_000) },
      commissions: { earned: usd((renewals + 1) * 200), reversed: [], amounts: usd((renewals + 1) * 200) },
      topAffiliates: [{ affiliateId: merchant.affiliate.id, sales: { count: renewals + 1, amounts: usd((renewals + 1) * 1_000) } }],
    });
  });
});

describe('a payout of 3,000 commissions', () => {
  it('pays every one of them through the ledger queue, with exact totals, and leaves nothing approved', async () => {
    const merchant = await sellingMerchant();
    // Ten subscribers at different prices, each a first invoice and 299 renewals.
    const customers = numbers(0, 9).map((k) => subscriber({ amount: 1_000 + 35 * k }));
    await inParallel(customers, width, (customer) => subscribeAndRenew(merchant, customer, 299));
    const expected = customers.reduce((sum, customer) => sum + 300 * (customer.amount / 5), 0);
    expect(await balanceOf(merchant)).toMatchObject({ approved: usd(expected), owed: usd(expected) });

    const created = await pay(merchant, { affiliateId: merchant.affiliate.id });
    expect([201, 202]).toContain(created.status);
    if (created.status === 202) expect(created.body).toMatchObject({ status: 'paying', commissionCount: expect.any(Number) });
    const payout = await paidPayout(merchant, created.body.id, 120_000);

    expect(payout).toMatchObject({ status: 'paid', commissionCount: 3_000, totals: usd(expected), clawbacks: [], paidAt: expect.any(String) });
    const affiliateId = merchant.affiliate.id;
    const paid = await everyPage(merchant, '/v1/commissions', { mode: 'test', affiliateId, status: 'paid', limit: 100 });
    expect(new Set(ids(paid.data)).size).toBe(3_000);
    expect(paid.data.every((commission) => commission.balance.amount === 0 && commission.lines.at(-1).reason === `payout ${payout.id}`)).toBe(true);
    expect((await everyPage(merchant, '/v1/commissions', { mode: 'test', affiliateId, status: 'approved', limit: 100 })).data).toEqual([]);
    expect(await balanceOf(merchant)).toMatchObject({ approved: [], owed: [], clawbackCarried: [] });
  });
});

describe('clawbacks netted by later payouts', () => {
  /** A referred payment of $100: a $20 commission at the default 20 %. */
  const sale = (merchant: SellingMerchant) =>
    emulator().simulatePayment({ ...on(merchant), amount: 10_000, currency: 'usd', metadata: { tally_affiliate: merchant.affiliate.referralCode } });

  it('carries a refund of a paid commission forward, pays nothing while it outweighs what is approved, then pays the net', async () => {
    const merchant = await sellingMerchant();
    const affiliateId = merchant.affiliate.id;
    const first = await sale(merchant);
    await sale(merchant);
    await delivered();
    const paidFirst = await pay(merchant, { affiliateId });
    expect(paidFirst.body).toMatchObject({ status: 'paid', commissionCount: 2, totals: usd(4_000), clawbacks: [] });

    await emulator().simulateRefund({ ...on(merchant), charge: first.charge.id });
    await delivered();
    const refunded = (await commissionsOf(merchant)).find((commission) => commission.balance.amount !== 0);
    expect(refunded).toMatchObject({ status: 'paid', amount: { amount: 0 }, balance: { amount: -2_000 } });
    expect(await balanceOf(merchant)).toMatchObject({ approved: [], owed: [], clawbackCarried: usd(2_000) });

    await sale(merchant);
    await delivered();
    expect(await balanceOf(merchant)).toMatchObject({ approved: usd(2_000), owed: [], clawbackCarried: usd(2_000) });
    const nothing = await pay(merchant, { affiliateId });
    expect(nothing.status).toBe(409);
    expect(nothing.body.error.type).toBe('payout.nothing_to_pay');
    expect(await balanceOf(merchant)).toMatchObject({ approved: usd(2_000), clawbackCarried: usd(2_000) });

    await sale(merchant);
    await delivered();
    const netted = await pay(merchant, { affiliateId });
    expect(netted.status).toBe(201);
    expect(netted.body).toMatchObject({ status: 'paid', commissionCount: 2, totals: usd(2_000), clawbacks: usd(2_000) });
    expect(await balanceOf(merchant)).toMatchObject({ pending: [], held: [], approved: [], owed: [], clawbackCarried: [] });

    // Four $20 commissions, one refunded in full: $60 earned, and $60 paid over the two payouts.
    const commissions = await commissionsOf(merchant);
    const earned = commissions.reduce((sum, commission) => sum + commission.amount.amount, 0);
    const payouts = (await api('GET', '/v1/payouts', { key: merchant.apiKey, query: { mode: 'test' } })).body.data;
    expect(earned).toBe(6_000);
    expect(payouts.reduce((sum: number, payout: any) => sum + payout.totals[0].amount, 0)).toBe(earned);
    expect(commissions.every((commission) => commission.status === 'paid' && commission.balance.amount === 0)).toBe(true);
  });
});

describe('a commission worth nothing', () => {
  it('is reversed when a refund rounds it to zero, and a payout neither pays it nor trips over it', async () => {
    // A flat 1 ¢ per sale: a 60 % refund takes back 0.6 ¢, rounded half up to the whole cent.
    const merchant = await sellingMerchant({ plan: { rate: { flat: { amount: 1, currency: 'usd' } } } });
    const affiliateId = merchant.affiliate.id;
    const sale = () => emulator().simulatePayment({ ...on(merchant), amount: 1_000, currency: 'usd', metadata: { tally_affiliate: merchant.affiliate.referralCode } });
    const { charge } = await sale();
    await emulator().simulateRefund({ ...on(merchant), charge: charge.id, amount: 600 });
    await delivered();
    const [reversed] = await commissionsOf(merchant);
    expect(reversed).toMatchObject({ status: 'reversed', amount: { amount: 0 }, balance: { amount: 0 } });

    const nothing = await pay(merchant, { affiliateId });
    expect(nothing.status).toBe(409);
    expect(nothing.body.error.type).toBe('payout.nothing_to_pay');

    await sale();
    await delivered();
    const payout = await pay(merchant, { affiliateId });
    expect(payout.status).toBe(201);
    expect(payout.body).toMatchObject({ status: 'paid', commissionCount: 1, totals: usd(1), clawbacks: [] });
    const statuses = (await commissionsOf(merchant)).map((commission) => commission.status).sort();
    expect(statuses).toEqual(['paid', 'reversed']);
  });
});
