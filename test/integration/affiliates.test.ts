import { api } from '../support/api';
import { affiliateInput, createAffiliate, createMerchant, createPlan, type TestMerchant } from '../support/factories';

const percentDiscount = { percentOff: 15, duration: 'once' };

describe('affiliates', () => {
  let merchant: TestMerchant;
  beforeAll(async () => {
    merchant = await createMerchant();
  });

  it('creates an affiliate with a generated referral code and per-mode coupon sync state', async () => {
    const response = await api('POST', '/v1/affiliates', {
      key: merchant.apiKey,
      body: affiliateInput({ couponCode: 'ADA-15', discount: percentDiscount }),
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      couponCode: 'ADA-15',
      discount: percentDiscount,
      status: 'active',
      commissionPlanId: null,
      couponSync: { live: { status: 'pending' }, test: { status: 'pending' } },
    });
    expect(response.body.referralCode).toMatch(/^[a-z0-9]{8}$/);
    expect((await api('GET', `/v1/affiliates/${response.body.id}`, { key: merchant.apiKey })).body).toEqual(response.body);
  });

  it('marks an affiliate without a coupon code as not applicable for sync', async () => {
    const affiliate = await createAffiliate(merchant);
    expect(affiliate.couponSync).toEqual({ live: { status: 'not_applicable' }, test: { status: 'not_applicable' } });
  });

  it.each([
    ['referral code', { referralCode: 'ref-Taken' }, { referralCode: 'REF-taken' }, 'affiliate.referral_code_taken'],
    ['coupon code', { couponCode: 'Save-Big' }, { couponCode: 'SAVE-big' }, 'affiliate.coupon_code_taken'],
    ['e-mail', { email: 'same.person@example.com' }, { email: 'Same.Person@example.com' }, 'affiliate.email_taken'],
  ])('refuses a %s already used by another affiliate, whatever its case', async (_case, first, second, type) => {
    const owner = await createMerchant();
    await createAffiliate(owner, first);
    const response = await api('POST', '/v1/affiliates', { key: owner.apiKey, body: affiliateInput(second) });
    expect(response.status).toBe(409);
    expect(response.body.error.type).toBe(type);
    const list = await api('GET', '/v1/affiliates', { key: owner.apiKey });
    expect(list.body.data).toHaveLength(1);
  });

  it('lets two merchants use the same codes', async () => {
    const other = await createMerchant();
    await createAffiliate(merchant, { referralCode: 'shared-code', couponCode: 'SHARED' });
    const response = await api('POST', '/v1/affiliates', {
      key: other.apiKey,
      body: affiliateInput({ referralCode: 'shared-code', couponCode: 'SHARED' }),
    });
    expect(response.status).toBe(201);
  });

  it.each([
    ['an invalid e-mail', { email: 'not-an-email' }, 'email'],
    ['a coupon code with a space', { couponCode: 'SAVE 10' }, 'couponCode'],
    ['a coupon code with an underscore', { couponCode: 'SAVE_10' }, 'couponCode'],
    ['a referral code with a slash', { referralCode: 'a/b' }, 'referralCode'],
    ['a discount with both percent and amount', { couponCode: 'X1', discount: { percentOff: 5, amountOff: 100, currency: 'usd', duration: 'once' } }, 'discount.percentOff'],
    ['an amount discount without currency', { couponCode: 'X2', discount: { amountOff: 100, duration: 'once' } }, 'discount.currency'],
    ['a repeating discount without months', { couponCode: 'X3', discount: { percentOff: 5, duration: 'repeating' } }, 'discount.durationInMonths'],
    ['a percent discount over 100', { couponCode: 'X4', discount: { percentOff: 101, duration: 'once' } }, 'discount.percentOff'],
    ['a percent discount with three decimals', { couponCode: 'X5', discount: { percentOff: 12.345, duration: 'once' } }, 'discount.percentOff'],
    ['a fractional amount discount', { couponCode: 'X6', discount: { amountOff: 9.5, currency: 'usd', duration: 'once' } }, 'discount.amountOff'],
    ['a discount without a coupon code', { discount: percentDiscount }, 'discount'],
    ['a commission plan that does not exist', { commissionPlanId: 'plan_missing' }, 'commissionPlanId'],
  ])('rejects %s with 400 and creates nothing', async (_case, overrides, field) => {
    const owner = await createMerchant();
    const response = await api('POST', '/v1/affiliates', { key: owner.apiKey, body: affiliateInput(overrides) });
    expect(response.status).toBe(400);
    const paths = response.body.error.issues.map((issue: { path: (string | number)[] }) => issue.path.join('.'));
    expect(paths).toContain(field);
    expect((await api('GET', '/v1/affiliates', { key: owner.apiKey })).body.data).toEqual([]);
  });

  it('changes codes in one step and frees the old ones', async () => {
    const owner = await createMerchant();
    const plan = await createPlan(owner);
    const affiliate = await createAffiliate(owner, { referralCode: 'old-ref', couponCode: 'OLD-CODE', discount: percentDiscount });
    const response = await api('PATCH', `/v1/affiliates/${affiliate.id}`, {
      key: owner.apiKey,
      body: { referralCode: 'new-ref', couponCode: 'NEW-CODE', commissionPlanId: plan.id, name: null },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ referralCode: 'new-ref', couponCode: 'NEW-CODE', commissionPlanId: plan.id, name: null });
    const reuse = await api('POST', '/v1/affiliates', { key: owner.apiKey, body: affiliateInput({ referralCode: 'old-ref', couponCode: 'old-code' }) });
    expect(reuse.status).toBe(201);
    const clash = await api('PATCH', `/v1/affiliates/${reuse.body.id}`, { key: owner.apiKey, body: { couponCode: 'new-code' } });
    expect(clash.status).toBe(409);
    expect((await api('GET', `/v1/affiliates/${reuse.body.id}`, { key: owner.apiKey })).body.couponCode).toBe('old-code');
  });

  it('puts both modes back to pending when the coupon changes', async () => {
    const affiliate = await createAffiliate(merchant);
    const response = await api('PATCH', `/v1/affiliates/${affiliate.id}`, {
      key: merchant.apiKey,
      body: { couponCode: 'LATE-CODE', discount: { amountOff: 500, currency: 'usd', duration: 'repeating', durationInMonths: 3 } },
    });
    expect(response.body.couponSync).toEqual({ live: { status: 'pending' }, test: { status: 'pending' } });
  });

  it('archives on DELETE, keeps the record, and restores on PATCH', async () => {
    const affiliate = await createAffiliate(merchant);
    const archived = await api('DELETE', `/v1/affiliates/${affiliate.id}`, { key: merchant.apiKey });
    expect(archived.status).toBe(200);
    expect(archived.body.status).toBe('archived');
    expect(archived.body.archivedAt).toBeDefined();
    const listed = await api('GET', '/v1/affiliates', { key: merchant.apiKey, query: { status: 'archived', limit: 100 } });
    expect(listed.body.data.map((a: { id: string }) => a.id)).toContain(affiliate.id);
    const restored = await api('PATCH', `/v1/affiliates/${affiliate.id}`, { key: merchant.apiKey, body: { status: 'active' } });
    expect(restored.body.status).toBe('active');
    expect(restored.body.archivedAt).toBeUndefined();
  });

  it("answers 404 for another merchant's affiliate on every verb and changes nothing", async () => {
    const other = await createMerchant();
    const affiliate = await createAffiliate(merchant);
    expect((await api('GET', `/v1/affiliates/${affiliate.id}`, { key: other.apiKey })).status).toBe(404);
    expect((await api('PATCH', `/v1/affiliates/${affiliate.id}`, { key: other.apiKey, body: { name: 'Stolen' } })).status).toBe(404);
    expect((await api('DELETE', `/v1/affiliates/${affiliate.id}`, { key: other.apiKey })).status).toBe(404);
    const after = await api('GET', `/v1/affiliates/${affiliate.id}`, { key: merchant.apiKey });
    expect(after.body).toMatchObject({ name: affiliate.name, status: 'active' });
  });
});

describe('affiliate pagination', () => {
  const total = 250;
  let owner: TestMerchant;
  let created: string[];

  beforeAll(async () => {
    owner = await createMerchant();
    created = [];
    for (let batch = 0; batch < total; batch += 25) {
      const ids = await Promise.all(
        Array.from({ length: Math.min(25, total - batch) }, async () => (await createAffiliate(owner)).id as string),
      );
      created.push(...ids);
    }
  });

  it('pages through 250 affiliates in creation order, each exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const response = await api('GET', '/v1/affiliates', { key: owner.apiKey, query: { limit: 100, cursor } });
      expect(response.status).toBe(200);
      expect(response.body.data.length).toBeLessThanOrEqual(100);
      seen.push(...response.body.data.map((a: { id: string }) => a.id));
      cursor = response.body.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toHaveLength(total);
    expect(new Set(seen)).toEqual(new Set(created));
    expect(seen).toEqual([...seen].sort());
  });

  it('defaults to 20 per page and refuses a limit over 100', async () => {
    const page = await api('GET', '/v1/affiliates', { key: owner.apiKey });
    expect(page.body.data).toHaveLength(20);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const tooMany = await api('GET', '/v1/affiliates', { key: owner.apiKey, query: { limit: 101 } });
    expect(tooMany.status).toBe(400);
  });

  it("refuses another merchant's cursor", async () => {
    const other = await createMerchant();
    await createAffiliate(other);
    const page = await api('GET', '/v1/affiliates', { key: owner.apiKey, query: { limit: 5 } });
    const response = await api('GET', '/v1/affiliates', { key: other.apiKey, query: { cursor: page.body.nextCursor } });
    expect(response.status).toBe(400);
    expect(response.body.error.issues[0].path).toEqual(['cursor']);
  });

  it('refuses a cursor that is not one of ours', async () => {
    const response = await api('GET', '/v1/affiliates', { key: owner.apiKey, query: { cursor: 'bm90LWpzb24' } });
    expect(response.status).toBe(400);
  });
});

describe('affiliate status lists', () => {
  const total = 120;
  let owner: TestMerchant;
  let archived: string[];
  let active: string[];

  beforeAll(async () => {
    owner = await createMerchant();
    const created: string[] = [];
    for (let batch = 0; batch < total; batch += 20)
      created.push(...(await Promise.all(Array.from({ length: 20 }, async () => (await createAffiliate(owner)).id as string))));
    archived = created.filter((_, i) => i % 2 === 1);
    active = created.filter((_, i) => i % 2 === 0);
    for (let batch = 0; batch < archived.length; batch += 20)
      await Promise.all(archived.slice(batch, batch + 20).map((id) => api('DELETE', `/v1/affiliates/${id}`, { key: owner.apiKey })));
  });

  const pageThrough = async (status: string, limit: number) => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const response = await api('GET', '/v1/affiliates', { key: owner.apiKey, query: { status, limit, cursor } });
      expect(response.status).toBe(200);
      expect(response.body.data.length).toBeLessThanOrEqual(limit);
      expect(response.body.data.every((affiliate: { status: string }) => affiliate.status === status)).toBe(true);
      seen.push(...response.body.data.map((affiliate: { id: string }) => affiliate.id));
      cursor = response.body.nextCursor ?? undefined;
    } while (cursor);
    return seen;
  };

  it('pages through exactly the archived ones, in creation order, each once', async () => {
    expect(await pageThrough('archived', 7)).toEqual([...archived].sort());
  });

  it('pages through exactly the active ones, and follows a restore', async () => {
    const [restored] = archived;
    await api('PATCH', `/v1/affiliates/${restored}`, { key: owner.apiKey, body: { status: 'active' } });
    expect(await pageThrough('active', 25)).toEqual([...active, restored].sort());
    await api('DELETE', `/v1/affiliates/${restored}`, { key: owner.apiKey });
  });

  it('answers one archived affiliate for limit=1, with a cursor to the next', async () => {
    const response = await api('GET', '/v1/affiliates', { key: owner.apiKey, query: { status: 'archived', limit: 1 } });
    expect(response.status).toBe(200);
    expect(response.body.data.map((affiliate: { id: string }) => affiliate.id)).toEqual([[...archived].sort()[0]]);
    expect(response.body.nextCursor).toEqual(expect.any(String));
  });

  it.each([
    ['made up', () => Buffer.from(JSON.stringify({ pk: 'MERCHANT#x', sk: 'AFFILIATE#x', gsi3pk: 'AFFILIATES#x#archived', gsi3sk: 'x' })).toString('base64url')],
    ['with an empty key', () => Buffer.from(JSON.stringify({ pk: '', sk: '', gsi3pk: `AFFILIATES#${owner.merchantId}#archived`, gsi3sk: '' })).toString('base64url')],
  ])('refuses a forged cursor (%s) with a 400', async (_case, forge) => {
    const response = await api('GET', '/v1/affiliates', { key: owner.apiKey, query: { status: 'archived', cursor: forge() } });
    expect(response.status).toBe(400);
    expect(response.body.error.issues[0].path).toEqual(['cursor']);
  });

  it("refuses the other status's cursor, and the unfiltered list's", async () => {
    const activePage = await api('GET', '/v1/affiliates', { key: owner.apiKey, query: { status: 'active', limit: 3 } });
    const allPage = await api('GET', '/v1/affiliates', { key: owner.apiKey, query: { limit: 3 } });
    for (const cursor of [activePage.body.nextCursor, allPage.body.nextCursor]) {
      const response = await api('GET', '/v1/affiliates', { key: owner.apiKey, query: { status: 'archived', cursor } });
      expect(response.status).toBe(400);
    }
  });
});
