import { check } from '../../lambdas/stats/rebuild';
import { handledEventTypes } from '../../lambdas/webhooks/registry';
import { api } from '../support/api';
import { createAffiliate, type TestMerchant, unique } from '../support/factories';
import { deliver, delivered, on, product, type SellingMerchant, sellingMerchant, testSecret } from '../support/purchases';
import { useStackTable } from '../support/stack';
import { connectedMerchant, emulator } from '../support/stripe';
import { newVisitorId, track } from '../support/tracking';

jest.setTimeout(120_000);

type Mode = 'live' | 'test';
type Money = { amount: number; currency: string };

const everything = async (merchant: TestMerchant, path: string, mode: Mode) => {
  const items: any[] = [];
  let cursor: string | undefined;
  do {
    const response = await api('GET', path, { key: merchant.apiKey, query: { mode, limit: 100, cursor } });
    expect(response.status).toBe(200);
    items.push(...response.body.data);
    cursor = response.body.nextCursor ?? undefined;
  } while (cursor);
  return items;
};

/** Per-currency sums, currencies in order, zeros left out: the stats' own convention. */
const perCurrency = (amounts: Money[]): Money[] => {
  const sums = new Map<string, number>();
  for (const { amount, currency } of amounts) sums.set(currency, (sums.get(currency) ?? 0) + amount);
  return [...sums]
    .filter(([, amount]) => amount !== 0)
    .map(([currency, amount]) => ({ amount, currency }))
    .sort((a, b) => a.currency.localeCompare(b.currency));
};

const dayOf = (time: string) => time.slice(0, 10);

/** The money figures of a merchant-mode, worked out from the ledger API alone, and a period that holds them all. */
const fromLedger = async (merchant: TestMerchant, mode: Mode) => {
  const purchases = await everything(merchant, '/v1/purchases', mode);
  const commissions = await everything(merchant, '/v1/commissions', mode);
  const lines = commissions.flatMap((commission) => commission.lines.map((line: any) => ({ ...line, affiliateId: commission.affiliateId })));
  const earnedLines = lines.filter((line) => line.type === 'earned');
  const takenBack = lines.filter((line) => line.type === 'adjusted' || line.type === 'reversed');
  const times = [new Date().toISOString(), ...purchases.map((p) => p.occurredAt), ...lines.map((line) => line.at)].sort();
  return {
    period: { from: dayOf(times[0] as string), to: dayOf(times.at(-1) as string) },
    purchases,
    earnedLines,
    figures: {
      sales: { count: purchases.length, amounts: perCurrency(purchases.map((p) => p.total)) },
      refunds: { amounts: perCurrency(purchases.map((p) => p.refunded)) },
      commissions: {
        earned: perCurrency(earnedLines.map((line) => line.amount)),
        reversed: perCurrency(takenBack.map((line) => ({ ...line.amount, amount: -line.amount.amount }))),
        amounts: perCurrency(commissions.map((commission) => commission.amount)),
      },
    },
  };
};

const statsOf = async (merchant: TestMerchant, mode: Mode, period: { from: string; to: string }) => {
  const response = await api('GET', '/v1/stats', { key: merchant.apiKey, query: { mode, ...period } });
  expect(response.status).toBe(200);
  return response.body;
};

/**
 * A realistic mixed run in both modes — purchases through Checkout, invoices and bare payments,
 * a renewal, refunds, a lost dispute, a cancellation, visits, leads and new affiliates — then the
 * stats endpoint against figures worked out here from the ledger API (`GET /v1/purchases`,
 * `GET /v1/commissions`) and from what the run itself did.
 */
describe('stats after a mixed run', () => {
  let merchant: SellingMerchant;
  const accounts = {} as Record<Mode, string>;
  const affiliates: { id: string; referralCode: string }[] = [];
  /** What the run tracked and did that the ledger API does not show. */
  const did = {
    live: { refunds: 0, cancellations: 0, visits: new Map<string, number>(), leads: new Map<string, number>() },
    test: { refunds: 0, cancellations: 0, visits: new Map<string, number>(), leads: new Map<string, number>() },
  };

  const visit = async (mode: Mode, affiliateCode: string, affiliateId?: string) => {
    const response = await track('visit', { trackingKey: merchant.trackingKey, visitorId: newVisitorId(), affiliateCode, mode });
    expect(response.status).toBeLessThan(300);
    if (affiliateId) did[mode].visits.set(affiliateId, (did[mode].visits.get(affiliateId) ?? 0) + 1);
  };
  const lead = async (mode: Mode, affiliate: { id: string; referralCode: string }) => {
    const response = await track('lead', { trackingKey: merchant.trackingKey, email: `${unique('lead')}@example.com`, affiliateCode: affiliate.referralCode, mode });
    expect(response.status).toBeLessThan(300);
    did[mode].leads.set(affiliate.id, (did[mode].leads.get(affiliate.id) ?? 0) + 1);
  };
  const scope = (mode: Mode) => ({ account: accounts[mode] });
  const referred = (affiliate: { referralCode: string }) => ({ metadata: { tally_affiliate: affiliate.referralCode } });

  beforeAll(async () => {
    merchant = await sellingMerchant({ mode: 'live' });
    accounts.live = merchant.accountId;
    accounts.test = await connectedMerchant(merchant, 'test');
    const [ada, bob] = [merchant.affiliate, await createAffiliate(merchant, { referralCode: unique('bob') })];
    affiliates.push(ada, bob, await createAffiliate(merchant, { referralCode: unique('cy') }));

    // Traffic: visits through links (one with a code nobody has, which counts nowhere) and leads.
    for (const [affiliate, times] of [[ada, 3], [bob, 2]] as const) for (let i = 0; i < times; i++) await visit('live', affiliate.referralCode, affiliate.id);
    await visit('live', 'nobody-has-this');
    await visit('test', ada.referralCode, ada.id);
    await lead('live', ada);
    await lead('live', bob);

    // Live: a referred one-off, partly refunded; a referred subscription, renewed, its first
    // charge disputed and lost, then canceled; an unattributed payment refunded in full; a
    // referred payment in another currency; an invoiced one-off nobody referred.
    const oneOff = await emulator().simulateCheckout({ ...scope('live'), kind: 'payment', customer: referred(ada), lineItems: [product('prod_widget', 10_000)] });
    await emulator().simulateRefund({ ...scope('live'), charge: oneOff.charge?.id, amount: 4_000 });
    did.live.refunds += 1;
    const subscription = await emulator().simulateCheckout({
      ...scope('live'),
      kind: 'subscription',
      clientReferenceId: bob.referralCode,
      lineItems: [product('prod_plan', 4_900, { recurring: { interval: 'month' } })],
    });
    const subscriptionId = subscription.subscription?.id as string;
    await emulator().simulateRenewal({ ...scope('live'), subscription: subscriptionId });
    const { dispute } = await emulator().simulateDispute({ ...scope('live'), charge: subscription.charge?.id as string });
    await emulator().closeDispute(dispute.id, { ...scope('live'), outcome: 'lost' });
    await emulator().cancelSubscription({ ...scope('live'), subscription: subscriptionId });
    did.live.cancellations += 1;
    const walkIn = await emulator().simulatePayment({ ...scope('live'), amount: 5_000 });
    await emulator().simulateRefund({ ...scope('live'), charge: walkIn.charge.id });
    did.live.refunds += 1;
    await emulator().simulatePayment({ ...scope('live'), amount: 3_000, currency: 'eur', metadata: { tally_affiliate: ada.referralCode } });
    await emulator().simulateInvoice({ ...scope('live'), customer: { email: `${unique('inv')}@example.com` }, lineItems: [product('prod_consulting', 15_000)] });

    // Test: a referred payment refunded in full, and one more that stays.
    const testPayment = await emulator().simulateCheckout({ ...scope('test'), kind: 'payment', customer: referred(bob), lineItems: [product('prod_widget', 2_000)] });
    await emulator().simulateRefund({ ...scope('test'), charge: testPayment.charge?.id });
    did.test.refunds += 1;
    await emulator().simulatePayment({ ...scope('test'), amount: 700, metadata: { tally_affiliate: ada.referralCode } });
    await delivered();
  });

  /** The figures for a mode: money from the ledger API, the rest from what the run did. */
  const expectedFor = async (mode: Mode) => {
    const ledger = await fromLedger(merchant, mode);
    const salesOf = (affiliateId: string) => ledger.purchases.filter((p) => p.affiliateId === affiliateId);
    const ranked = affiliates
      .map(({ id }) => ({ id, sales: salesOf(id).length, leads: did[mode].leads.get(id) ?? 0, visits: did[mode].visits.get(id) ?? 0 }))
      .filter(({ sales, leads, visits }) => sales + leads + visits > 0)
      .sort((a, b) => b.sales - a.sales || b.leads - a.leads || b.visits - a.visits || a.id.localeCompare(b.id));
    return {
      ...ledger,
      figures: {
        ...ledger.figures,
        refunds: { count: did[mode].refunds, ...ledger.figures.refunds },
        cancellations: did[mode].cancellations,
        visits: [...did[mode].visits.values()].reduce((a, b) => a + b, 0),
        leads: [...did[mode].leads.values()].reduce((a, b) => a + b, 0),
        newAffiliates: affiliates.length,
      },
      topAffiliates: ranked.map(({ id }) => ({
        affiliateId: id,
        sales: { count: salesOf(id).length, amounts: perCurrency(salesOf(id).map((p) => p.total)) },
        commissions: expect.objectContaining({ earned: perCurrency(ledger.earnedLines.filter((line) => line.affiliateId === id).map((line) => line.amount)) }),
      })),
    };
  };

  it.each(['live', 'test'] as const)('matches the ledger in %s mode: totals, each day, and the top affiliates', async (mode) => {
    const expected = await expectedFor(mode);
    expect(expected.purchases.length).toBeGreaterThan(mode === 'live' ? 5 : 1);
    const stats = await statsOf(merchant, mode, expected.period);

    expect(stats).toMatchObject(expected.figures);
    expect(stats.topAffiliates).toEqual(expected.topAffiliates.map((top) => expect.objectContaining(top)));
    for (const day of stats.daily) expect(day.sales.count).toBe(expected.purchases.filter((p) => dayOf(p.occurredAt) === day.date).length);
  });

  it('shows every live figure apart from test ones (the run was different in each mode)', async () => {
    const live = (await expectedFor('live')).figures;
    const test = (await expectedFor('test')).figures;
    expect(live.sales.count).not.toBe(test.sales.count);
    expect(live.cancellations).toBe(1);
    expect(test.cancellations).toBe(0);
  });

  it('finds nothing for the rebuild to correct', async () => {
    useStackTable();
    for (const mode of ['live', 'test'] as const) expect((await check(merchant.merchantId, mode)).differences).toEqual([]);
  });

  it('gives the Stripe App the same figures for the account, in the mode the app says', async () => {
    const { period } = await expectedFor('live');
    const { payload, signature } = await emulator().signAppRequest({ user_id: 'usr_owner', account_id: accounts.live });
    const fromApp = await api('POST', '/stripe-app/stats', { body: { ...JSON.parse(payload), mode: 'live', ...period }, headers: { 'stripe-signature': signature } });
    const fromApi = await api('GET', '/v1/stats', { key: merchant.apiKey, query: { mode: 'live', ...period } });
    expect(fromApp.status).toBe(200);
    const { merchant: who, dashboardUrl, ...figures } = fromApp.body;
    expect(figures).toEqual(fromApi.body);
    expect(who.id).toBe(merchant.merchantId);
    expect(dashboardUrl).toContain('view=stats');
  });
});

describe('stats when events arrive out of order', () => {
  it('count what the ledger shows, not the corrections on the way there', async () => {
    // Pays on the first payment only: a renewal that arrives first looks like the first payment
    // and earns, until the real first payment arrives and takes the commission away.
    const seller = await sellingMerchant({ plan: { recurring: 'first' } });
    const scope = { ...on(seller), deliver: false };
    const start = await emulator().simulateCheckout({
      ...scope,
      kind: 'subscription',
      clientReferenceId: seller.affiliate.referralCode,
      lineItems: [product('prod_plan', 6_000, { recurring: { interval: 'month' } })],
    });
    const renewal = await emulator().simulateRenewal({ ...scope, subscription: start.subscription?.id as string });
    const refund = await emulator().simulateRefund({ ...scope, charge: start.charge?.id as string, amount: 1_500 });
    const history = [...start.events, ...renewal.events, ...refund.events].filter((event) => handledEventTypes.includes(event.type));
    const secret = await testSecret();
    for (const event of history.reverse()) expect((await deliver(event, secret)).status).toBe(200);

    const ledger = await fromLedger(seller, 'test');
    expect(ledger.purchases).toHaveLength(2);
    expect(ledger.earnedLines).toHaveLength(1);
    const stats = await statsOf(seller, 'test', ledger.period);
    expect(stats).toMatchObject({ ...ledger.figures, refunds: { count: 1, amounts: [{ amount: 1_500, currency: 'usd' }] } });
    useStackTable();
    expect((await check(seller.merchantId, 'test')).differences).toEqual([]);
  });
});
