import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { api } from '../support/api';
import { createMerchant, createPlan } from '../support/factories';
import { dynamo, stack } from '../support/stack';

describe('health and routing', () => {
  it('answers the health check without a key', async () => {
    const response = await api('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ok: true });
  });

  it('answers an unknown route the way API Gateway does', async () => {
    const response = await api('GET', '/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ message: 'Not Found' });
  });
});

describe('POST /v1/merchants', () => {
  it('creates a merchant with the operator key and returns its keys once', async () => {
    const response = await api('POST', '/v1/merchants', {
      key: stack().operatorKey,
      body: { name: 'Acme Books', dashboardUrl: 'https://acme.example.com/affiliates' },
    });
    expect(response.status).toBe(201);
    expect(response.body.apiKey).toMatch(/^tally_sk_/);
    expect(response.body.trackingKey).toMatch(/^tally_pk_/);
    expect(response.body.merchant).toMatchObject({
      name: 'Acme Books',
      dashboardUrl: 'https://acme.example.com/affiliates',
      trackingKey: response.body.trackingKey,
      settings: { autoSyncCoupons: false, subscriptionTracking: 'per_transaction', cookieWindowDays: 90, holdDays: 30 },
      stripe: { live: null, test: null },
    });

    const me = await api('GET', '/v1/merchant', { key: response.body.apiKey });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(response.body.merchant.id);
    expect(me.body).not.toHaveProperty('apiKey');
  });

  it('stores the API key only as a hash', async () => {
    const merchant = await createMerchant();
    const { Items = [] } = await dynamo().send(new ScanCommand({ TableName: stack().tableName }));
    expect(Items.length).toBeGreaterThan(0);
    expect(JSON.stringify(Items)).not.toContain(merchant.apiKey);
  });

  it.each([
    ['no key', undefined],
    ['a wrong key', 'not-the-operator-key-at-all'],
  ])('refuses %s with 401 and creates nothing', async (_case, key) => {
    const name = `Refused ${Date.now()}`;
    const response = await api('POST', '/v1/merchants', { key, body: { name } });
    expect(response.status).toBe(401);
    expect(response.body.error.type).toBe('unauthorized');
    const { Items = [] } = await dynamo().send(new ScanCommand({ TableName: stack().tableName }));
    expect(JSON.stringify(Items)).not.toContain(name);
  });

  it('does not let a merchant key create merchants', async () => {
    const merchant = await createMerchant();
    const response = await api('POST', '/v1/merchants', { key: merchant.apiKey, body: { name: 'Sneaky' } });
    expect(response.status).toBe(401);
  });

  it.each([
    ['a missing name', {}, 'name'],
    ['an empty name', { name: '  ' }, 'name'],
    ['a dashboard URL that is not http(s)', { name: 'X', dashboardUrl: 'javascript:alert(1)' }, 'dashboardUrl'],
    ['an unknown field', { name: 'X', plan: 'gold' }, ''],
  ])('rejects %s with 400 and the failing field', async (_case, body, field) => {
    const response = await api('POST', '/v1/merchants', { key: stack().operatorKey, body });
    expect(response.status).toBe(400);
    expect(response.body.error.type).toBe('validation_error');
    expect(response.body.error.issues.some((issue: { path: string[] }) => issue.path.join('.') === field)).toBe(true);
  });

  it('rejects a body that is not JSON', async () => {
    const response = await api('POST', '/v1/merchants', { key: stack().operatorKey, rawBody: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
    expect(response.body.error.type).toBe('invalid_json');
  });

  it('rejects a body over the size limit with 413', async () => {
    const response = await api('POST', '/v1/merchants', { key: stack().operatorKey, body: { name: 'x'.repeat(70 * 1024) } });
    expect(response.status).toBe(413);
    expect(response.body.error.type).toBe('payload_too_large');
  });
});

describe('merchant authentication', () => {
  it.each([
    ['no Authorization header', {}],
    ['an unknown key', { authorization: 'Bearer tally_sk_unknown' }],
    ['a malformed header', { authorization: 'Basic abc' }],
  ])('answers 401 for %s', async (_case, headers) => {
    const response = await api('GET', '/v1/merchant', { headers });
    expect(response.status).toBe(401);
    expect(response.body.error.type).toBe('unauthorized');
  });
});

describe('PATCH /v1/merchant/settings', () => {
  it('changes the given settings and keeps the others', async () => {
    const merchant = await createMerchant();
    const response = await api('PATCH', '/v1/merchant/settings', {
      key: merchant.apiKey,
      body: { cookieWindowDays: 30, holdDays: 14, subscriptionTracking: 'subscription_period' },
    });
    expect(response.status).toBe(200);
    expect(response.body.settings).toEqual({
      autoSyncCoupons: false,
      subscriptionTracking: 'subscription_period',
      cookieWindowDays: 30,
      holdDays: 14,
      defaultCommissionPlanId: null,
      siteUrl: null,
    });
    const me = await api('GET', '/v1/merchant', { key: merchant.apiKey });
    expect(me.body.settings.cookieWindowDays).toBe(30);
  });

  it.each([
    ['cookieWindowDays: 0', { cookieWindowDays: 0 }],
    ['cookieWindowDays: 1.5', { cookieWindowDays: 1.5 }],
    ['holdDays: -1', { holdDays: -1 }],
    ['subscriptionTracking: weekly', { subscriptionTracking: 'weekly' }],
    ['autoSyncCoupons: "yes"', { autoSyncCoupons: 'yes' }],
    ['an unknown setting', { payoutDay: 3 }],
    ['no settings at all', {}],
  ])('rejects %s with 400 and changes nothing', async (_case, body) => {
    const merchant = await createMerchant();
    const before = await api('GET', '/v1/merchant', { key: merchant.apiKey });
    const response = await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body });
    expect(response.status).toBe(400);
    const after = await api('GET', '/v1/merchant', { key: merchant.apiKey });
    expect(after.body.settings).toEqual(before.body.settings);
  });

  it("refuses another merchant's plan as the default", async () => {
    const [merchant, other] = await Promise.all([createMerchant(), createMerchant()]);
    const othersPlan = await createPlan(other);
    const response = await api('PATCH', '/v1/merchant/settings', {
      key: merchant.apiKey,
      body: { defaultCommissionPlanId: othersPlan.id, holdDays: 5 },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.issues[0].path).toEqual(['defaultCommissionPlanId']);
    const after = await api('GET', '/v1/merchant', { key: merchant.apiKey });
    expect(after.body.settings.holdDays).toBe(30);
  });

  it('sets its own plan as the default', async () => {
    const merchant = await createMerchant();
    const first = await createPlan(merchant);
    const second = await createPlan(merchant);
    const response = await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { defaultCommissionPlanId: second.id } });
    expect(response.status).toBe(200);
    const plans = await api('GET', '/v1/commission-plans', { key: merchant.apiKey });
    const isDefault = Object.fromEntries(plans.body.data.map((plan: { id: string; isDefault: boolean }) => [plan.id, plan.isDefault]));
    expect(isDefault).toEqual({ [first.id]: false, [second.id]: true });
  });
});
