import { type ConsoleBrowser, open, signIn, submit } from '../support/console';
import { api } from '../support/api';
import { createMerchant, createPlan, type TestMerchant } from '../support/factories';

/**
 * The console's Plans pages over HTTP, signed in with a session made in this process: the list
 * with each rate in words and money in its currency, a plan created and edited through the form
 * (a percentage entered as one, the article's comma-separated line item product IDs, recurring
 * for N months), errors beside their fields, and that a viewer or a forged form changes nothing.
 */

jest.setTimeout(120_000);

const getPlan = async (merchant: TestMerchant, planId: string) => (await api('GET', `/v1/commission-plans/${planId}`, { key: merchant.apiKey })).body;
const plansOf = async (merchant: TestMerchant) => (await api('GET', '/v1/commission-plans', { key: merchant.apiKey, query: { limit: 100 } })).body.data as any[];

const lineItemPlan = {
  name: 'Per product',
  'rate.kind': 'percent',
  'rate.percentBps': '12.5',
  paymentFor: 'line_items',
  lineItemSkus: 'prod_Basic1, prod_Pro2',
  'recurring.kind': 'months',
  'recurring.months': '12',
};

describe('console: plans', () => {
  let merchant: TestMerchant;
  let owner: ConsoleBrowser;
  let viewer: ConsoleBrowser;

  beforeAll(async () => {
    merchant = await createMerchant();
    [owner, viewer] = await Promise.all([signIn(merchant, 'owner'), signIn(merchant, 'viewer')]);
  });

  it('lists the plans, each rate in words and a flat one in its currency', async () => {
    await createPlan(merchant, { name: 'Yen flat', rate: { flat: { amount: 1500, currency: 'jpy' } }, recurring: 'first' });
    await createPlan(merchant, { name: 'Twelve and a half', rate: { percentBps: 1250 }, paymentFor: 'line_items', lineItemSkus: ['prod_Listed1'] });
    const page = await open(owner, '/plans');
    expect(page.status).toBe(200);
    expect(page.body).toContain('¥1,500 flat');
    expect(page.body).toContain('First payment only');
    expect(page.body).toContain('12.5 %');
    expect(page.body).toContain('Line items: prod_Listed1');
    expect(page.body).toContain('New plan');
  });

  it('creates a plan through the form: a percentage as entered, the product IDs as a list, N months', async () => {
    expect((await open(owner, '/plans/new')).body).toContain('Line item product IDs');
    const created = await submit(owner, '/plans', lineItemPlan);
    expect(created.status).toBe(303);
    const planId = /\/console\/plans\/(plan_[A-Za-z0-9]+)/.exec(created.headers.get('location') ?? '')?.[1] as string;
    expect(await getPlan(merchant, planId)).toMatchObject({
      name: 'Per product',
      rate: { percentBps: 1250 },
      paymentFor: 'line_items',
      lineItemSkus: ['prod_Basic1', 'prod_Pro2'],
      recurring: { months: 12 },
    });
    const page = await open(owner, `/plans/${planId}`, { flash: 'created' });
    expect(page.body).toContain('The plan is created.');
    expect(page.body).toContain('value="prod_Basic1, prod_Pro2"');
    expect(page.body).toContain('value="12.5"');
  });

  it('edits a plan through its form', async () => {
    const plan = await createPlan(merchant, { name: 'To edit', rate: { percentBps: 1000 } });
    const saved = await submit(owner, `/plans/${plan.id}`, { name: 'Edited', 'rate.kind': 'flat', 'rate.flat.amount': '7.50', 'rate.flat.currency': 'EUR', paymentFor: 'all', 'recurring.kind': 'first' });
    expect(saved.status).toBe(303);
    expect(await getPlan(merchant, plan.id)).toMatchObject({ name: 'Edited', rate: { flat: { amount: 750, currency: 'eur' } }, paymentFor: 'all', recurring: 'first', isDefault: false });
    expect((await open(owner, '/plans')).body).toContain('€7.50 flat');
  });

  it('shows each refused field’s error beside it and creates nothing', async () => {
    const before = (await plansOf(merchant)).length;
    const refused = await submit(owner, '/plans', { ...lineItemPlan, 'rate.percentBps': '150', lineItemSkus: 'prod_Ok1, sku-42', 'recurring.months': '0' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatch(/id="field-rate-percentBps-error"[^>]*>[^<]*10000/);
    expect(refused.body).toMatch(/id="field-lineItemSkus-error"[^>]*>a Stripe product ID \(prod_…\)</);
    expect(refused.body).toMatch(/id="field-recurring-months-error"[^>]*>[^<]*1</);
    expect(refused.body).toContain('value="prod_Ok1, sku-42"');

    const noSkus = await submit(owner, '/plans', { ...lineItemPlan, lineItemSkus: '' });
    expect(noSkus.status).toBe(400);
    expect(noSkus.body).toMatch(/id="field-lineItemSkus-error"[^>]*>line_items plans need at least one product ID</);
    expect(await plansOf(merchant)).toHaveLength(before);
  });

  it('lets a viewer look but not change anything', async () => {
    const plan = await createPlan(merchant, { name: 'Viewed plan' });
    const page = await open(viewer, `/plans/${plan.id}`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('Save plan');
    const before = (await plansOf(merchant)).length;
    const created = await submit(viewer, '/plans', lineItemPlan);
    const edited = await submit(viewer, `/plans/${plan.id}`, { ...lineItemPlan, name: 'Changed' });
    expect([created.status, edited.status]).toEqual([403, 403]);
    expect(await plansOf(merchant)).toHaveLength(before);
    expect((await getPlan(merchant, plan.id)).name).toBe('Viewed plan');
  });

  it('refuses a form without the CSRF token', async () => {
    const before = (await plansOf(merchant)).length;
    const forged = await api<string>('POST', '/console/plans', {
      headers: { cookie: owner.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: new URLSearchParams(lineItemPlan).toString(),
    });
    expect(forged.status).toBe(403);
    expect(await plansOf(merchant)).toHaveLength(before);
  });
});
