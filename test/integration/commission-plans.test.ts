import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../lambdas/store/keys';
import { api } from '../support/api';
import { createMerchant, createPlan } from '../support/factories';
import { dynamo, stack } from '../support/stack';

describe('commission plans', () => {
  it('creates a percent plan with defaults and makes the first plan the default', async () => {
    const merchant = await createMerchant();
    const response = await api('POST', '/v1/commission-plans', {
      key: merchant.apiKey,
      body: { name: 'Standard', rate: { percentBps: 2500 } },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      name: 'Standard',
      rate: { percentBps: 2500 },
      paymentFor: 'all',
      lineItemSkus: [],
      recurring: 'all',
      isDefault: true,
    });
    const me = await api('GET', '/v1/merchant', { key: merchant.apiKey });
    expect(me.body.settings.defaultCommissionPlanId).toBe(response.body.id);
  });

  it('creates a flat, per-product plan for the first three months without taking the default', async () => {
    const merchant = await createMerchant();
    const first = await createPlan(merchant);
    const response = await api('POST', '/v1/commission-plans', {
      key: merchant.apiKey,
      body: {
        name: 'Ebook bonus',
        rate: { flat: { amount: 500, currency: 'EUR' } },
        paymentFor: 'line_items',
        lineItemSkus: ['prod_Ebook1', 'prod_Ebook2'],
        recurring: { months: 3 },
      },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      rate: { flat: { amount: 500, currency: 'eur' } },
      lineItemSkus: ['prod_Ebook1', 'prod_Ebook2'],
      recurring: { months: 3 },
      isDefault: false,
    });
    const fetched = await api('GET', `/v1/commission-plans/${first.id}`, { key: merchant.apiKey });
    expect(fetched.body.isDefault).toBe(true);
  });

  it('moves the default when a new plan asks for it', async () => {
    const merchant = await createMerchant();
    const first = await createPlan(merchant);
    const second = await createPlan(merchant, { isDefault: true });
    expect(second.isDefault).toBe(true);
    const fetched = await api('GET', `/v1/commission-plans/${first.id}`, { key: merchant.apiKey });
    expect(fetched.body.isDefault).toBe(false);
  });

  it.each([
    ['a percent over 100 %', { rate: { percentBps: 10_001 } }, 'rate'],
    ['a fractional basis point', { rate: { percentBps: 12.5 } }, 'rate'],
    ['a negative percent', { rate: { percentBps: -1 } }, 'rate'],
    ['both percent and flat', { rate: { percentBps: 100, flat: { amount: 1, currency: 'usd' } } }, 'rate'],
    ['a flat rate of zero', { rate: { flat: { amount: 0, currency: 'usd' } } }, 'rate'],
    ['a flat rate in cents with a fraction', { rate: { flat: { amount: 9.99, currency: 'usd' } } }, 'rate'],
    ['a flat rate without currency', { rate: { flat: { amount: 100 } } }, 'rate'],
    ["a flat rate over Stripe's maximum charge", { rate: { flat: { amount: 100_000_000, currency: 'usd' } } }, 'rate'],
    ['a flat rate of 2^53', { rate: { flat: { amount: 2 ** 53, currency: 'usd' } } }, 'rate'],
    ['a currency Stripe does not support', { rate: { flat: { amount: 100, currency: 'xyz' } } }, 'rate'],
    ['line_items without SKUs', { rate: { percentBps: 100 }, paymentFor: 'line_items' }, 'lineItemSkus'],
    ['a SKU that is not a product ID', { rate: { percentBps: 100 }, paymentFor: 'line_items', lineItemSkus: ['sku_1'] }, 'lineItemSkus.0'],
    ['SKUs on an all-payments plan', { rate: { percentBps: 100 }, lineItemSkus: ['prod_A'] }, 'lineItemSkus'],
    ['repeated SKUs', { rate: { percentBps: 100 }, paymentFor: 'line_items', lineItemSkus: ['prod_A', 'prod_A'] }, 'lineItemSkus'],
    ['zero months', { rate: { percentBps: 100 }, recurring: { months: 0 } }, 'recurring'],
    ['an unknown recurring value', { rate: { percentBps: 100 }, recurring: 'sometimes' }, 'recurring'],
    ['no rate', {}, 'rate'],
  ])('rejects %s', async (_case, body, field) => {
    const merchant = await createMerchant();
    const response = await api('POST', '/v1/commission-plans', { key: merchant.apiKey, body: { name: 'Bad', ...body } });
    expect(response.status).toBe(400);
    const paths = response.body.error.issues.map((issue: { path: (string | number)[] }) => issue.path.join('.'));
    expect(paths.some((path: string) => path.startsWith(field))).toBe(true);
    const list = await api('GET', '/v1/commission-plans', { key: merchant.apiKey });
    expect(list.body.data).toEqual([]);
  });

  it("takes a flat rate of Stripe's maximum charge, 99,999,999 minor units", async () => {
    const merchant = await createMerchant();
    const response = await api('POST', '/v1/commission-plans', {
      key: merchant.apiKey,
      body: { name: 'Big', rate: { flat: { amount: 99_999_999, currency: 'KWD' } } },
    });
    expect(response.status).toBe(201);
    expect(response.body.rate).toEqual({ flat: { amount: 99_999_999, currency: 'kwd' } });
  });

  it('updates a plan and checks the SKU rule on the result', async () => {
    const merchant = await createMerchant();
    const plan = await createPlan(merchant);
    const refused = await api('PATCH', `/v1/commission-plans/${plan.id}`, { key: merchant.apiKey, body: { paymentFor: 'line_items' } });
    expect(refused.status).toBe(400);
    const unchanged = await api('GET', `/v1/commission-plans/${plan.id}`, { key: merchant.apiKey });
    expect(unchanged.body.paymentFor).toBe('all');

    const updated = await api('PATCH', `/v1/commission-plans/${plan.id}`, {
      key: merchant.apiKey,
      body: { paymentFor: 'line_items', lineItemSkus: ['prod_Course'], recurring: 'first', name: 'Course only' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Course only', paymentFor: 'line_items', lineItemSkus: ['prod_Course'], recurring: 'first' });

    const back = await api('PATCH', `/v1/commission-plans/${plan.id}`, { key: merchant.apiKey, body: { paymentFor: 'all' } });
    expect(back.body.lineItemSkus).toEqual([]);
  });

  it('clears the default when the default plan is unmarked', async () => {
    const merchant = await createMerchant();
    const plan = await createPlan(merchant);
    const response = await api('PATCH', `/v1/commission-plans/${plan.id}`, { key: merchant.apiKey, body: { isDefault: false } });
    expect(response.body.isDefault).toBe(false);
    const me = await api('GET', '/v1/merchant', { key: merchant.apiKey });
    expect(me.body.settings.defaultCommissionPlanId).toBeNull();
  });

  it("answers 404 for another merchant's plan, on read and on change", async () => {
    const [owner, other] = await Promise.all([createMerchant(), createMerchant()]);
    const plan = await createPlan(owner);
    expect((await api('GET', `/v1/commission-plans/${plan.id}`, { key: other.apiKey })).status).toBe(404);
    const patch = await api('PATCH', `/v1/commission-plans/${plan.id}`, { key: other.apiKey, body: { name: 'Mine now' } });
    expect(patch.status).toBe(404);
    expect((await api('GET', `/v1/commission-plans/${plan.id}`, { key: owner.apiKey })).body.name).toBe(plan.name);
    expect((await api('GET', '/v1/commission-plans', { key: other.apiKey })).body.data).toEqual([]);
  });
});

describe('the implicit default plan', () => {
  it('goes to exactly one of several first plans created at once', async () => {
    const merchant = await createMerchant();
    const plans = await Promise.all(Array.from({ length: 5 }, () => createPlan(merchant)));
    expect(plans.filter((plan) => plan.isDefault)).toHaveLength(1);
    const me = await api('GET', '/v1/merchant', { key: merchant.apiKey });
    expect(me.body.settings.defaultCommissionPlanId).toBe(plans.find((plan) => plan.isDefault).id);
    const listed = await api('GET', '/v1/commission-plans', { key: merchant.apiKey });
    expect(listed.body.data.filter((plan: { isDefault: boolean }) => plan.isDefault)).toHaveLength(1);
  });
});

describe('plan versions', () => {
  const versionsOf = async (merchantId: string, planId: string) => {
    const { pk } = keys.planVersion(merchantId, planId, 1);
    const { Items = [] } = await dynamo().send(
      new QueryCommand({ TableName: stack().tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true }),
    );
    return Items;
  };

  it('keeps every version of a plan as its own item, each with the terms it had', async () => {
    const merchant = await createMerchant();
    const plan = await createPlan(merchant, { name: 'Launch', rate: { percentBps: 1000 } });
    const patch = (body: Record<string, unknown>) => api('PATCH', `/v1/commission-plans/${plan.id}`, { key: merchant.apiKey, body });
    expect((await patch({ rate: { percentBps: 2000 }, name: 'Growth' })).status).toBe(200);
    expect((await patch({ paymentFor: 'line_items', lineItemSkus: ['prod_Course'], recurring: { months: 6 } })).status).toBe(200);

    const versions = await versionsOf(merchant.merchantId, plan.id);
    expect(versions.map(({ pk: _pk, sk: _sk, ...version }) => version)).toEqual([
      { type: 'planVersion', id: plan.id, version: 1, name: 'Launch', rate: { percentBps: 1000 }, paymentFor: 'all', lineItemSkus: [], recurring: 'all' },
      { type: 'planVersion', id: plan.id, version: 2, name: 'Growth', rate: { percentBps: 2000 }, paymentFor: 'all', lineItemSkus: [], recurring: 'all' },
      {
        type: 'planVersion',
        id: plan.id,
        version: 3,
        name: 'Growth',
        rate: { percentBps: 2000 },
        paymentFor: 'line_items',
        lineItemSkus: ['prod_Course'],
        recurring: { months: 6 },
      },
    ]);
    const head = await dynamo().send(new GetCommand({ TableName: stack().tableName, Key: keys.plan(merchant.merchantId, plan.id) }));
    expect(head.Item).toMatchObject({ version: 3, lineItemSkus: ['prod_Course'] });
  });

  it('writes no version for a change that was refused', async () => {
    const merchant = await createMerchant();
    const plan = await createPlan(merchant);
    const refused = await api('PATCH', `/v1/commission-plans/${plan.id}`, { key: merchant.apiKey, body: { paymentFor: 'line_items' } });
    expect(refused.status).toBe(400);
    expect((await versionsOf(merchant.merchantId, plan.id)).map((version) => version.version)).toEqual([1]);
  });

  it('copies no plan onto the merchant profile, default or not', async () => {
    const merchant = await createMerchant();
    const first = await createPlan(merchant, { paymentFor: 'line_items', lineItemSkus: ['prod_A', 'prod_B'] });
    await createPlan(merchant, { isDefault: true });
    await api('PATCH', `/v1/commission-plans/${first.id}`, { key: merchant.apiKey, body: { name: 'Renamed', isDefault: true } });

    const { Item: profile } = await dynamo().send(new GetCommand({ TableName: stack().tableName, Key: keys.merchant(merchant.merchantId) }));
    expect(profile?.settings.defaultCommissionPlanId).toBe(first.id);
    expect(JSON.stringify(profile)).not.toMatch(/prod_A|Renamed|percentBps/);
    expect(Object.keys(profile ?? {}).filter((name) => name.startsWith('plan'))).toEqual([]);
  });
});
