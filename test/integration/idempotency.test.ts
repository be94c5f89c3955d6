import { randomUUID } from 'node:crypto';
import { type ApiResponse, api } from '../support/api';
import { jobsOf, merchantWithStripe, promotionCodesOn, resyncQueueDrained } from '../support/coupon-sync';
import { affiliateInput, createAffiliate, createMerchant, createPlan, type TestMerchant, unique } from '../support/factories';
import { commissionsOf, delivered, on, sellingMerchant } from '../support/purchases';
import { stack } from '../support/stack';
import { emulator, withFault } from '../support/stripe';

jest.setTimeout(120_000);

const newKey = () => `key-${randomUUID()}`;
const withKey = (key: string) => ({ 'idempotency-key': key });
const replayed = (response: ApiResponse) => response.headers.get('idempotent-replayed') === 'true';

const createWithKey = (merchant: TestMerchant, key: string, body: Record<string, unknown>) =>
  api('POST', '/v1/affiliates', { key: merchant.apiKey, body, headers: withKey(key) });

const affiliatesOf = async (merchant: TestMerchant) =>
  (await api('GET', '/v1/affiliates', { key: merchant.apiKey, query: { limit: 100 } })).body.data as { id: string; email: string }[];

describe('Idempotency-Key on creates', () => {
  it('creates once and replays the first answer to the same key and body', async () => {
    const merchant = await createMerchant();
    const key = newKey();
    const body = affiliateInput();
    const first = await createWithKey(merchant, key, body);
    expect(first.status).toBe(201);
    expect(replayed(first)).toBe(false);

    // The same body rebuilt with its fields in another order is the same request.
    const again = await createWithKey(merchant, key, Object.fromEntries(Object.entries(body).reverse()));
    expect(again.status).toBe(201);
    expect(replayed(again)).toBe(true);
    expect(again.body).toEqual(first.body);
    expect(await affiliatesOf(merchant)).toEqual([expect.objectContaining({ id: first.body.id })]);
  });

  it('refuses the same key with another body, or on another route, with 400 idempotency_error', async () => {
    const merchant = await createMerchant();
    const key = newKey();
    const first = await createWithKey(merchant, key, affiliateInput());
    const other = await createWithKey(merchant, key, affiliateInput());
    expect(other.status).toBe(400);
    expect(other.body.error.type).toBe('idempotency_error');
    const elsewhere = await api('POST', '/v1/commission-plans', {
      key: merchant.apiKey,
      body: { name: 'Plan', rate: { percentBps: 1000 } },
      headers: withKey(key),
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.type).toBe('idempotency_error');
    expect(await affiliatesOf(merchant)).toEqual([expect.objectContaining({ id: first.body.id })]);
    expect((await api('GET', '/v1/commission-plans', { key: merchant.apiKey })).body.data).toEqual([]);
  });

  it('runs concurrent duplicates once: one 201, the others 409 while it runs or its replay after', async () => {
    const merchant = await createMerchant();
    const key = newKey();
    const body = affiliateInput();
    const responses = await Promise.all(Array.from({ length: 8 }, () => createWithKey(merchant, key, body)));
    const firsts = responses.filter((response) => response.status === 201 && !replayed(response));
    const inUse = responses.filter((response) => response.status === 409);
    // How many arrive while the first runs depends on timing; the unit tests pin the in-use answer.
    expect(firsts).toHaveLength(1);
    for (const response of inUse) expect(response.body.error.type).toBe('idempotency_key_in_use');
    for (const response of responses.filter((candidate) => replayed(candidate))) expect(response.body).toEqual(firsts[0]!.body);
    expect(responses.every((response) => response === firsts[0] || response.status === 409 || replayed(response))).toBe(true);
    expect(await affiliatesOf(merchant)).toHaveLength(1);
  });

  it('stores and replays a 4xx answer, as Stripe does', async () => {
    const merchant = await createMerchant();
    const taken = await createAffiliate(merchant);
    const key = newKey();
    const body = affiliateInput({ email: taken.email });
    const first = await createWithKey(merchant, key, body);
    expect(first.status).toBe(409);
    expect(first.body.error.type).toBe('affiliate.email_taken');
    const again = await createWithKey(merchant, key, body);
    expect(again.status).toBe(409);
    expect(replayed(again)).toBe(true);
    expect(again.body).toEqual(first.body);
  });

  it('keeps nothing for a request whose input is invalid, so the key can still be used', async () => {
    const merchant = await createMerchant();
    const key = newKey();
    const invalid = await createWithKey(merchant, key, { email: 'not-an-email' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.type).toBe('validation_error');
    const valid = await createWithKey(merchant, key, affiliateInput());
    expect(valid.status).toBe(201);
    expect(replayed(valid)).toBe(false);
  });

  it('keeps keys apart per merchant', async () => {
    const [first, second] = await Promise.all([createMerchant(), createMerchant()]);
    const key = newKey();
    const body = affiliateInput();
    const mine = await createWithKey(first, key, body);
    const theirs = await createWithKey(second, key, body);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(replayed(theirs)).toBe(false);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it.each([
    ['an empty key', ''],
    ['a key over 255 characters', 'k'.repeat(256)],
  ])('refuses %s with 400 and creates nothing', async (_case, key) => {
    const merchant = await createMerchant();
    const response = await createWithKey(merchant, key, affiliateInput());
    expect(response.status).toBe(400);
    expect(response.body.error.issues[0].path).toEqual(['Idempotency-Key']);
    expect(await affiliatesOf(merchant)).toEqual([]);
  });

  it('creates a merchant once for the operator', async () => {
    const key = newKey();
    const body = { name: `Merchant ${unique()}` };
    const first = await api('POST', '/v1/merchants', { key: stack().operatorKey, body, headers: withKey(key) });
    const again = await api('POST', '/v1/merchants', { key: stack().operatorKey, body, headers: withKey(key) });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(replayed(again)).toBe(true);
    expect(again.body.merchant.id).toBe(first.body.merchant.id);
  });

  it('applies to PATCH and DELETE too, and ignores the header on reads', async () => {
    const merchant = await createMerchant();
    const affiliate = await createAffiliate(merchant);
    const key = newKey();
    const archive = () => api('DELETE', `/v1/affiliates/${affiliate.id}`, { key: merchant.apiKey, headers: withKey(key) });
    const first = await archive();
    expect(first.status).toBe(200);
    expect(replayed(await archive())).toBe(true);
    const read = await api('GET', `/v1/affiliates/${affiliate.id}`, { key: merchant.apiKey, headers: withKey(key) });
    expect(read.status).toBe(200);
    expect(replayed(read)).toBe(false);
  });
});

describe('Idempotency-Key after a failure of ours', () => {
  it('releases the key on a 5xx, so the retry runs again', async () => {
    const merchant = await merchantWithStripe('test');
    const key = newKey();
    const disconnect = () => api('POST', '/v1/connect/stripe/disconnect', { key: merchant.apiKey, query: { mode: 'test' }, headers: withKey(key) });
    await withFault({ share500: 1, match: { pathPrefix: '/oauth/deauthorize' } }, async () => {
      expect((await disconnect()).status).toBe(502);
    });
    const retry = await disconnect();
    expect(retry.status).toBe(200);
    expect(replayed(retry)).toBe(false);
    expect(retry.body.stripe.test.status).toBe('disconnected');
  });
});

describe('Idempotency-Key on payouts', () => {
  it('pays once: concurrent duplicates and a later retry get the one payout', async () => {
    const merchant = await sellingMerchant();
    await emulator().simulatePayment({ ...on(merchant), amount: 10_000, currency: 'usd', metadata: { tally_affiliate: merchant.affiliate.referralCode } });
    await delivered();
    const key = newKey();
    const pay = () =>
      api('POST', '/v1/payouts', { key: merchant.apiKey, query: { mode: 'test' }, body: { affiliateId: merchant.affiliate.id }, headers: withKey(key) });

    const responses = await Promise.all(Array.from({ length: 5 }, pay));
    const paid = responses.filter((response) => [201, 202].includes(response.status) && !replayed(response));
    expect(paid).toHaveLength(1);
    expect(responses.every((response) => response === paid[0] || response.status === 409 || replayed(response))).toBe(true);

    const retry = await pay();
    expect(retry.status).toBe(paid[0]!.status);
    expect(replayed(retry)).toBe(true);
    expect(retry.body.id).toBe(paid[0]!.body.id);
    const listed = await api('GET', '/v1/payouts', { key: merchant.apiKey, query: { mode: 'test' } });
    expect(listed.body.data).toHaveLength(1);
    expect((await commissionsOf(merchant)).map((commission) => commission.status)).toEqual(['paid']);
  });
});

describe('PATCH /v1/merchant/settings and its resync', () => {
  it('refuses an unknown default plan before starting anything: no job, no promotion code in Stripe', async () => {
    const merchant = await merchantWithStripe('test');
    await createAffiliate(merchant, { couponCode: unique('SAVE').toUpperCase(), discount: { percentOff: 10, duration: 'once' } });
    const response = await api('PATCH', '/v1/merchant/settings', {
      key: merchant.apiKey,
      body: { autoSyncCoupons: true, defaultCommissionPlanId: 'plan_unknown' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.issues[0].path).toEqual(['defaultCommissionPlanId']);
    await resyncQueueDrained();
    expect(await jobsOf(merchant.merchantId)).toEqual([]);
    expect(await promotionCodesOn(merchant)).toEqual([]);
    expect((await api('GET', '/v1/merchant', { key: merchant.apiKey })).body.settings.autoSyncCoupons).toBe(false);
  });

  it('starts exactly one resync when concurrent requests turn auto-sync on', async () => {
    const merchant = await merchantWithStripe('test');
    const plan = await createPlan(merchant);
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { autoSyncCoupons: true, defaultCommissionPlanId: plan.id } }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    const started = responses.filter((response) => response.body.resyncJob);
    expect(started).toHaveLength(1);
    expect(await jobsOf(merchant.merchantId)).toEqual([expect.objectContaining({ jobId: started[0]!.body.resyncJob.id, trigger: 'settings' })]);
    for (const response of responses) expect(response.body.settings).toMatchObject({ autoSyncCoupons: true, defaultCommissionPlanId: plan.id });
  });

  it('replays the job it started to a retry with the same key, and starts no other', async () => {
    const merchant = await merchantWithStripe('test');
    const key = newKey();
    const turnOn = () => api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { autoSyncCoupons: true }, headers: withKey(key) });
    const first = await turnOn();
    const again = await turnOn();
    expect(first.body.resyncJob).toMatchObject({ trigger: 'settings' });
    expect(replayed(again)).toBe(true);
    expect(again.body).toEqual(first.body);
    expect(await jobsOf(merchant.merchantId)).toHaveLength(1);
  });
});
