import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { countStats, type StatsDelta } from '../../lambdas/stats/counters';
import { counterShards } from '../../lambdas/store/keys';
import { Transaction } from '../../lambdas/store/transaction';
import { api } from '../support/api';
import { createAffiliate, createMerchant, type TestMerchant } from '../support/factories';
import { dynamo, stack, useStackTable } from '../support/stack';
import { connectedMerchant, emulator } from '../support/stripe';

const today = () => new Date().toISOString().slice(0, 10);
const stats = (merchant: TestMerchant, query: Record<string, string> = {}) => api('GET', '/v1/stats', { key: merchant.apiKey, query });

describe('GET /v1/stats', () => {
  let merchant: TestMerchant;
  beforeAll(async () => {
    merchant = await createMerchant();
  });

  it('counts new affiliates on the day they join, in both modes, and only for their merchant', async () => {
    const other = await createMerchant();
    await createAffiliate(merchant);
    await createAffiliate(merchant);

    for (const mode of ['live', 'test']) {
      const response = await stats(merchant, { mode, from: today(), to: today() });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ mode, from: today(), to: today(), newAffiliates: 2, sales: { count: 0, amounts: [] } });
      expect(response.body.daily).toEqual([expect.objectContaining({ date: today(), newAffiliates: 2 })]);
    }
    expect((await stats(other, { from: today(), to: today() })).body.newAffiliates).toBe(0);
  });

  it('answers the last 30 days in live mode when no period is asked for', async () => {
    const response = await stats(merchant);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ mode: 'live', to: today() });
    expect(response.body.daily).toHaveLength(30);
    expect(response.body.daily.at(-1).date).toBe(today());
  });

  it.each([
    ['a period that ends before it starts', { from: '2026-03-02', to: '2026-03-01' }],
    ['a period of 367 days', { from: '2025-01-01', to: '2026-01-02' }],
    ['a day that does not exist', { from: '2026-02-30', to: '2026-03-01' }],
    ['a time instead of a day', { from: '2026-03-01T00:00:00Z' }],
    ['an unknown mode', { mode: 'sandbox' }],
  ])('refuses %s with a 400', async (_case, query) => {
    const response = await stats(merchant, query);
    expect(response.status).toBe(400);
    expect(response.body.error.type).toBe('validation_error');
  });

  it('needs the merchant\'s key', async () => {
    expect((await api('GET', '/v1/stats')).status).toBe(401);
  });
});

/**
 * A year of counters written through countStats (as the ledger and tracking write them), read back
 * over periods that cut months in different ways, against sums made here from the same deltas.
 */
describe('stats over long periods', () => {
  let merchant: TestMerchant;
  let deltas: StatsDelta[];
  const currencies = ['usd', 'eur', 'jpy'];

  beforeAll(async () => {
    useStackTable();
    merchant = await createMerchant();
    const affiliates = await Promise.all(Array.from({ length: 12 }, (_, i) => createAffiliate(merchant, { name: `Affiliate ${i}` })));
    let seed = 7;
    const next = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
    deltas = Array.from({ length: 240 }, (): StatsDelta => {
      const at = new Date(Date.UTC(2024, 0, 1) + next(366 + 40) * 86_400_000 + next(86_400_000));
      const currency = currencies[next(3)] as string;
      const affiliateId = next(5) === 0 ? null : (affiliates[next(12)].id as string);
      const kind = next(4);
      const base = { merchantId: merchant.merchantId, mode: 'live' as const, at, affiliateId };
      if (kind === 0) return { ...base, visits: 1 + next(3), leads: next(2) };
      if (kind === 1) return { ...base, refunds: { count: 1, amount: { amount: 100 + next(900), currency } }, commissionsReversed: { amount: next(90), currency } };
      return { ...base, sales: { count: 1, amount: { amount: next(10_000), currency } }, commissionsEarned: affiliateId ? { amount: next(1000), currency } : undefined };
    });
    // One transaction per eight deltas: several deltas for one day or affiliate share a transaction.
    for (let i = 0; i < deltas.length; i += 8) {
      const transaction = new Transaction();
      for (const delta of deltas.slice(i, i + 8)) countStats(transaction, delta);
      await transaction.commit();
    }
    // The same figures in test mode must not show in live.
    const transaction = new Transaction();
    countStats(transaction, { merchantId: merchant.merchantId, mode: 'test', at: '2024-06-01T00:00:00Z', visits: 1000 });
    await transaction.commit();
  });

  /** The expected figures, summed straight from the deltas. */
  const expected = (from: string, to: string) => {
    const inPeriod = deltas.filter((delta) => {
      const day = new Date(delta.at).toISOString().slice(0, 10);
      return day >= from && day <= to;
    });
    const sum = (pick: (delta: StatsDelta) => { amount: number; currency: string } | undefined) => {
      const totals = new Map<string, number>();
      for (const delta of inPeriod) {
        const money = pick(delta);
        if (money && money.amount) totals.set(money.currency, (totals.get(money.currency) ?? 0) + money.amount);
      }
      return [...totals].map(([currency, amount]) => ({ amount, currency })).sort((a, b) => a.currency.localeCompare(b.currency));
    };
    const count = (pick: (delta: StatsDelta) => number | undefined) => inPeriod.reduce((total, delta) => total + (pick(delta) ?? 0), 0);
    const perAffiliate = new Map<string, { sales: number; leads: number; visits: number }>();
    for (const delta of inPeriod) {
      if (!delta.affiliateId) continue;
      const entry = perAffiliate.get(delta.affiliateId) ?? { sales: 0, leads: 0, visits: 0 };
      entry.sales += delta.sales?.count ?? 0;
      entry.leads += delta.leads ?? 0;
      entry.visits += delta.visits ?? 0;
      perAffiliate.set(delta.affiliateId, entry);
    }
    const top = [...perAffiliate]
      .sort(([a, x], [b, y]) => y.sales - x.sales || y.leads - x.leads || y.visits - x.visits || a.localeCompare(b))
      .slice(0, 10)
      .map(([affiliateId, figures]) => ({ affiliateId, salesCount: figures.sales, visits: figures.visits }));
    return {
      sales: { count: count((d) => d.sales?.count), amounts: sum((d) => d.sales?.amount) },
      refunds: { count: count((d) => d.refunds?.count), amounts: sum((d) => d.refunds?.amount) },
      earned: sum((d) => d.commissionsEarned),
      reversed: sum((d) => d.commissionsReversed),
      visits: count((d) => d.visits),
      leads: count((d) => d.leads),
      top,
    };
  };

  it.each([
    ['a leap year, whole', '2024-01-01', '2024-12-31'],
    ['366 days cutting two months', '2024-02-10', '2025-02-09'],
    ['a few days inside one month', '2024-05-03', '2024-05-19'],
    ['days across a month end', '2024-07-20', '2024-08-12'],
    ['two whole months and loose days', '2024-09-28', '2024-12-02'],
  ])('matches the sums of the deltas over %s', async (_case, from, to) => {
    const response = await stats(merchant, { from, to, mode: 'live' });
    expect(response.status).toBe(200);
    const want = expected(from, to);
    const body = response.body;
    expect(body.sales).toEqual(want.sales);
    expect(body.refunds).toEqual(want.refunds);
    expect(body.commissions.earned).toEqual(want.earned);
    expect(body.commissions.reversed).toEqual(want.reversed);
    expect({ visits: body.visits, leads: body.leads }).toEqual({ visits: want.visits, leads: want.leads });
    expect(body.topAffiliates.map((a: any) => ({ affiliateId: a.affiliateId, salesCount: a.sales.count, visits: a.visits }))).toEqual(want.top);
    expect(body.topAffiliates.every((a: any) => /^Affiliate \d+$/.test(a.name) && a.referralCode)).toBe(true);
    expect(body.daily.reduce((total: number, day: any) => total + day.sales.count, 0)).toBe(want.sales.count);
  });

  it("adds up a busy affiliate's counters, which are spread over several items", async () => {
    const busy = await createAffiliate(merchant, { name: 'Affiliate busy' });
    for (let sale = 0; sale < 40; sale++) {
      const transaction = new Transaction();
      const sale = { count: 1, amount: { amount: 99_999_999, currency: 'usd' } };
      countStats(transaction, { merchantId: merchant.merchantId, mode: 'live', at: '2023-06-15T12:00:00Z', affiliateId: busy.id, sales: sale });
      await transaction.commit();
    }
    const shardItems = await Promise.all(
      Array.from({ length: counterShards }, async (_, shard) => {
        const { Items = [] } = await dynamo().send(
          new QueryCommand({
            TableName: stack().tableName,
            KeyConditionExpression: 'pk = :pk AND sk = :sk',
            ExpressionAttributeValues: { ':pk': `STATS#${merchant.merchantId}#live#${shard}`, ':sk': `AFFDAY#2023-06-15#${busy.id}` },
          }),
        );
        return Items;
      }),
    );
    expect(shardItems.flat().length).toBeGreaterThan(1);

    for (const [from, to] of [['2023-06-15', '2023-06-15'], ['2023-06-01', '2023-06-30']] as const) {
      const response = await stats(merchant, { from, to, mode: 'live' });
      expect(response.body.sales).toEqual({ count: 40, amounts: [{ amount: 40 * 99_999_999, currency: 'usd' }] });
      expect(response.body.topAffiliates[0]).toMatchObject({ affiliateId: busy.id, sales: { count: 40, amounts: [{ amount: 40 * 99_999_999, currency: 'usd' }] } });
    }
  });

  it('keeps test-mode figures out of live ones', async () => {
    const live = await stats(merchant, { from: '2024-06-01', to: '2024-06-01', mode: 'live' });
    const test = await stats(merchant, { from: '2024-06-01', to: '2024-06-01', mode: 'test' });
    expect(test.body.visits).toBe(1000);
    expect(live.body.visits).toBe(expected('2024-06-01', '2024-06-01').visits);
  });
});

describe('POST /stripe-app/stats', () => {
  let merchant: TestMerchant;
  let accountId: string;
  beforeAll(async () => {
    merchant = await createMerchant({ dashboardUrl: 'https://shop.example.com/admin' });
    accountId = await connectedMerchant(merchant, 'test');
    await createAffiliate(merchant);
  });

  const post = (body: unknown, signature?: string) =>
    api('POST', '/stripe-app/stats', { body, headers: signature ? { 'stripe-signature': signature } : {} });

  const signedRequest = async (account = accountId, extra: Record<string, unknown> = {}, timestamp?: number) => {
    const { payload, signature } = await emulator().signAppRequest({ user_id: 'usr_dashboard', account_id: account, timestamp });
    return post({ ...JSON.parse(payload), ...extra }, signature);
  };

  it('answers the stats of the merchant connected as the account, with a link to the same stats in its dashboard', async () => {
    const response = await signedRequest(accountId, { mode: 'test' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ mode: 'test', to: today(), newAffiliates: 1, merchant: { id: merchant.merchantId } });
    const link = new URL(response.body.dashboardUrl);
    expect(`${link.origin}${link.pathname}`).toBe('https://shop.example.com/admin');
    expect(Object.fromEntries(link.searchParams)).toEqual({ view: 'stats', mode: 'test', from: response.body.from, to: today() });
  });

  it('finds the mode the account is connected in when the app does not say', async () => {
    const response = await signedRequest(accountId);
    expect(response.status).toBe(200);
    expect(response.body.mode).toBe('test');
  });

  it('answers 404 in a mode the account is not connected in', async () => {
    expect((await signedRequest(accountId, { mode: 'live' })).status).toBe(404);
  });

  it('answers 404 for an account connected to no merchant', async () => {
    const response = await signedRequest('acct_NotConnectedToTally');
    expect(response.status).toBe(404);
    expect(response.body.error.type).toBe('not_found');
  });

  it('answers 404 once the merchant has disconnected the account', async () => {
    const leaving = await createMerchant();
    const leavingAccount = await connectedMerchant(leaving, 'test');
    expect((await signedRequest(leavingAccount)).status).toBe(200);
    await api('POST', '/v1/connect/stripe/disconnect', { key: leaving.apiKey, query: { mode: 'test' } });
    expect((await signedRequest(leavingAccount)).status).toBe(404);
  });

  it('refuses a request without a signature', async () => {
    const response = await post({ user_id: 'usr_dashboard', account_id: accountId });
    expect(response.status).toBe(401);
    expect(response.body.error.type).toBe('unauthorized');
  });

  it('refuses a signature made for another account', async () => {
    const { signature } = await emulator().signAppRequest({ user_id: 'usr_dashboard', account_id: 'acct_Someone' });
    expect((await post({ user_id: 'usr_dashboard', account_id: accountId }, signature)).status).toBe(401);
  });

  it('refuses a signature older than five minutes', async () => {
    const response = await signedRequest(accountId, {}, Math.floor(Date.now() / 1000) - 301);
    expect(response.status).toBe(401);
  });

  it('lets the app\'s sandboxed frame call it: a preflight for the signed JSON POST, and CORS on every answer', async () => {
    const preflight = await api('OPTIONS', '/stripe-app/stats', {
      headers: { origin: 'null', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,stripe-signature' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('stripe-signature');
    expect((await signedRequest()).headers.get('access-control-allow-origin')).toBe('*');
    expect((await post({})).headers.get('access-control-allow-origin')).toBe('*');
  });

  it('refuses a bad period with a 400 once the signature holds', async () => {
    expect((await signedRequest(accountId, { from: '2026-03-02', to: '2026-03-01' })).status).toBe(400);
  });
});
