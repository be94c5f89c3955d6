import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Stripe from 'stripe';
import { startDailyCatchUp } from '../../lambdas/history/catch-up';
import { api } from '../support/api';
import { commissionsOf, delivered, lineAmounts, on, product, purchasesOf, type SellingMerchant, sellingMerchant } from '../support/purchases';
import { useStackTable } from '../support/stack';
import { connectStripe, emulator } from '../support/stripe';

/**
 * Stripe's history through the same intake as its webhooks: catch-ups from an account's event log
 * (on demand, after a reconnect, daily) and imports of its purchases. The ledger must come out as
 * the webhook would have made it, and reading the same history again must change nothing.
 */

jest.setTimeout(180_000);
useStackTable();

type Job = { id: string; status: string; listed: number; processed: number; duplicates: number; ignored: number; failed: number; finishedAt?: string };

const waitForJob = async (merchant: SellingMerchant, path: string, jobId: string): Promise<Job> => {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(250)) {
    const response = await api('GET', `${path}/${jobId}`, { key: merchant.apiKey });
    expect(response.status).toBe(200);
    if (response.body.status !== 'running') return response.body as Job;
  }
  throw new Error(`Job ${jobId} did not finish within 120 s`);
};

const replay = async (merchant: SellingMerchant, since: Date): Promise<Job> => {
  const started = await api('POST', '/v1/stripe-events/replay', { key: merchant.apiKey, query: { mode: merchant.mode, since: since.toISOString() } });
  expect(started.status).toBe(202);
  expect(started.body.job).toMatchObject({ status: 'running', kind: 'replay', trigger: 'manual', listed: 0 });
  return waitForJob(merchant, '/v1/stripe-events/replay', started.body.job.id);
};

const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> => {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(250)) {
    const value = await read();
    if (done(value)) return value;
  }
  throw new Error(`${what} did not happen within 120 s`);
};

/** What a ledger holds, without the times it was written at. */
const ledgerOf = async (merchant: SellingMerchant) => ({
  purchases: (await purchasesOf(merchant)).map(({ id, total, refunded, affiliateId, attribution }) => ({ id, total, refunded, affiliateId, attribution })),
  commissions: (await commissionsOf(merchant)).map((commission) => ({ id: commission.id, status: commission.status, lines: lineAmounts(commission) })),
});

const hourAgo = () => new Date(Date.now() - 3_600_000);

describe('catch-up from the event log', () => {
  it('applies events no webhook delivered, and a second replay changes nothing', async () => {
    const merchant = await sellingMerchant();
    const sale = await emulator().simulateCheckout({
      ...on(merchant),
      deliver: false,
      kind: 'payment',
      customer: { email: `${randomUUID()}@example.com` },
      clientReferenceId: merchant.affiliate.referralCode,
      lineItems: [product('prod_replay', 10_000)],
    });
    await emulator().simulateRefund({ ...on(merchant), deliver: false, charge: sale.charge?.id as string, amount: 2_500 });
    expect(await purchasesOf(merchant)).toEqual([]);

    const first = await replay(merchant, hourAgo());
    expect(first).toMatchObject({ status: 'completed', failed: 0, finishedAt: expect.any(String) });
    expect(first.processed).toBeGreaterThan(0);
    expect(first.listed).toBe(first.processed + first.duplicates + first.ignored);
    const ledger = await ledgerOf(merchant);
    expect(ledger.purchases).toEqual([expect.objectContaining({ affiliateId: merchant.affiliate.id })]);
    // 20 % of 100.00, less 20 % of the 25.00 refunded.
    expect(ledger.commissions.map((commission) => commission.lines)).toEqual([[['earned', 2_000], ['adjusted', -500]]]);

    const second = await replay(merchant, hourAgo());
    expect(second).toMatchObject({ status: 'completed', listed: first.listed, processed: 0, duplicates: first.processed + first.duplicates, failed: 0 });
    expect(await ledgerOf(merchant)).toEqual(ledger);
  });

  it('reads again, after a reconnect, what Stripe sent while the connection was ended', async () => {
    const merchant = await sellingMerchant();
    const disconnected = await api('POST', '/v1/connect/stripe/disconnect', { key: merchant.apiKey, query: { mode: 'test' } });
    expect(disconnected.status).toBe(200);
    const sale = await emulator().simulateCheckout({
      ...on(merchant),
      kind: 'payment',
      customer: { email: `${randomUUID()}@example.com` },
      clientReferenceId: merchant.affiliate.referralCode,
      lineItems: [product('prod_gap', 8_000)],
    });
    await emulator().simulateRefund({ ...on(merchant), charge: sale.charge?.id as string, amount: 8_000 });
    await delivered();
    // Answered, but not applied: the connection was ended.
    expect(await purchasesOf(merchant)).toEqual([]);

    const again = await connectStripe(merchant, 'test', { stripe_user_id: merchant.accountId });
    expect(again.location.searchParams.get('stripe')).toBe('connected');
    const commissions = await until(
      () => commissionsOf(merchant),
      (found) => found.length === 1 && found[0].lines.length === 2,
      'the catch-up of the gap',
    );
    // Refunded in full: nothing is payable.
    expect(lineAmounts(commissions[0])).toEqual([['earned', 1_600], ['reversed', -1_600]]);
    expect(commissions[0]).toMatchObject({ status: 'reversed' });
    expect(await purchasesOf(merchant)).toEqual([expect.objectContaining({ affiliateId: merchant.affiliate.id })]);
  });

  it('recovers, in the daily catch-up, events whose webhooks were never delivered', async () => {
    const merchant = await sellingMerchant();
    await emulator().dropDeliveries({ account: merchant.accountId });
    try {
      await emulator().simulateCheckout({
        ...on(merchant),
        kind: 'subscription',
        customer: { email: `${randomUUID()}@example.com` },
        clientReferenceId: merchant.affiliate.referralCode,
        lineItems: [product('prod_daily', 3_000, { recurring: { interval: 'month' } })],
      });
      await delivered();
    } finally {
      await emulator().stopDroppingDeliveries();
    }
    expect(await purchasesOf(merchant)).toEqual([]);

    const run = await startDailyCatchUp({ merchantId: merchant.merchantId });
    expect(run).toEqual({ accounts: 1, started: 1, skipped: 0, failed: 0 });
    const purchases = await until(() => purchasesOf(merchant), (found) => found.length === 1, 'the daily catch-up');
    expect(purchases[0]).toMatchObject({ affiliateId: merchant.affiliate.id, total: { amount: 3_000, currency: 'usd' } });
    const ledger = await ledgerOf(merchant);
    expect(ledger.commissions.map((commission) => commission.lines)).toEqual([[['earned', 600]]]);

    // The next day's run starts from where this one got to (less an hour): nothing new to apply.
    await until(async () => (await startDailyCatchUp({ merchantId: merchant.merchantId })).started, (started) => started === 1, 'a second catch-up');
    await sleep(2_000);
    expect(await ledgerOf(merchant)).toEqual(ledger);
  });

  it('refuses a since older than Stripe keeps events, in the future or missing, and an account not connected', async () => {
    const merchant = await sellingMerchant();
    const post = (query: Record<string, string>) => api('POST', '/v1/stripe-events/replay', { key: merchant.apiKey, query });
    const old = await post({ mode: 'test', since: new Date(Date.now() - 31 * 86_400_000).toISOString() });
    expect(old.status).toBe(400);
    expect(old.body.error.issues).toEqual([expect.objectContaining({ path: ['since'] })]);
    expect((await post({ mode: 'test', since: new Date(Date.now() + 3_600_000).toISOString() })).status).toBe(400);
    expect((await post({ mode: 'test' })).status).toBe(400);
    expect((await post({ mode: 'test', since: 'yesterday' })).status).toBe(400);
    const live = await post({ mode: 'live', since: hourAgo().toISOString() });
    expect(live.status).toBe(409);
    expect(live.body.error.type).toBe('connection.not_connected');
    expect((await api('GET', '/v1/stripe-events/replay/rpl_missing', { key: merchant.apiKey })).status).toBe(404);
  });
});

describe('importing history', () => {
  it('records past purchases, refunds and disputes once, and their live events later change nothing', async () => {
    const merchant = await sellingMerchant();
    const scope = { ...on(merchant), deliver: false };
    const events: Stripe.Event[] = [];
    const payment = await emulator().simulateCheckout({
      ...scope,
      kind: 'payment',
      customer: { email: `${randomUUID()}@example.com` },
      clientReferenceId: merchant.affiliate.referralCode,
      lineItems: [product('prod_import_once', 5_000)],
    });
    const subscription = await emulator().simulateCheckout({
      ...scope,
      kind: 'subscription',
      customer: { email: `${randomUUID()}@example.com` },
      promotionCode: (merchant.affiliate.couponCode as string | null) ?? undefined,
      clientReferenceId: merchant.affiliate.referralCode,
      lineItems: [product('prod_import_monthly', 2_000, { recurring: { interval: 'month' } })],
    });
    const refund = await emulator().simulateRefund({ ...scope, charge: payment.charge?.id as string, amount: 1_000 });
    const dispute = await emulator().simulateDispute({ ...scope, charge: subscription.charge?.id as string });
    events.push(...payment.events, ...subscription.events, ...refund.events, ...dispute.events);
    expect(await purchasesOf(merchant)).toEqual([]);

    const today = new Date().toISOString().slice(0, 10);
    const started = await api('POST', '/v1/imports/stripe', { key: merchant.apiKey, query: { mode: 'test', since: today } });
    expect(started.status).toBe(202);
    expect(started.body.job).toMatchObject({ kind: 'import', status: 'running', phase: 'invoices', since: `${today}T00:00:00.000Z` });
    const job = await waitForJob(merchant, '/v1/imports', started.body.job.id);
    // One invoice; two charges, one refunded (two events); one dispute.
    expect(job).toMatchObject({ status: 'completed', phase: 'disputes', listed: 4, failed: 0 });
    expect(job.processed).toBe(5);

    const imported = await ledgerOf(merchant);
    expect(imported.purchases).toHaveLength(2);
    expect(imported.purchases.every((purchase) => purchase.affiliateId === merchant.affiliate.id)).toBe(true);
    expect(imported.commissions.map((commission) => commission.status).sort()).toEqual(['approved', 'held']);
    expect(imported.commissions.find((commission) => commission.status === 'approved')?.lines).toEqual([['earned', 1_000], ['adjusted', -200]]);

    // The live events of the same objects arrive after all: each purchase stays one.
    for (const event of events) await emulator().redeliver(on(merchant), event.id);
    await delivered();
    await sleep(1_000);
    expect(await ledgerOf(merchant)).toEqual(imported);

    // Importing again: every event is a duplicate.
    const again = await api('POST', '/v1/imports/stripe', { key: merchant.apiKey, query: { mode: 'test', since: today } });
    const second = await waitForJob(merchant, '/v1/imports', again.body.job.id);
    expect(second).toMatchObject({ status: 'completed', listed: 4, processed: 0, duplicates: 5 });
    expect(await ledgerOf(merchant)).toEqual(imported);
  });

  it('refuses a day that is not one, or in the future, and tells imports from replays', async () => {
    const merchant = await sellingMerchant();
    const post = (since: string) => api('POST', '/v1/imports/stripe', { key: merchant.apiKey, query: { mode: 'test', since } });
    expect((await post('2026-02-30')).status).toBe(400);
    expect((await post('last week')).status).toBe(400);
    expect((await post(new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10))).status).toBe(400);
    const replayed = await api('POST', '/v1/stripe-events/replay', { key: merchant.apiKey, query: { mode: 'test', since: hourAgo().toISOString() } });
    expect((await api('GET', `/v1/imports/${replayed.body.job.id as string}`, { key: merchant.apiKey })).status).toBe(404);
    const other = await sellingMerchant();
    expect((await api('GET', `/v1/stripe-events/replay/${replayed.body.job.id as string}`, { key: other.apiKey })).status).toBe(404);
  });
});
