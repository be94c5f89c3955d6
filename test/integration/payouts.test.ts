import { api } from '../support/api';
import { createAffiliate } from '../support/factories';
import { commissionsOf, delivered, on, type SellingMerchant, sellingMerchant } from '../support/purchases';
import { emulator } from '../support/stripe';

const pay = (merchant: SellingMerchant, body: Record<string, unknown>, mode = 'test') =>
  api('POST', '/v1/payouts', { key: merchant.apiKey, query: { mode }, body });

/** A referred payment (20 % commission) in the given currency. */
const sale = (merchant: SellingMerchant, amount: number, currency = 'usd') =>
  emulator().simulatePayment({ ...on(merchant), amount, currency, metadata: { tally_affiliate: merchant.affiliate.referralCode } });

describe('payouts', () => {
  it('pays every approved commission of an affiliate, with a total per currency, and marks them paid', async () => {
    const merchant = await sellingMerchant();
    await sale(merchant, 10_000);
    await sale(merchant, 5_000);
    await sale(merchant, 3_000, 'eur');
    await delivered();

    const response = await pay(merchant, { affiliateId: merchant.affiliate.id });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      id: expect.stringMatching(/^po_/),
      mode: 'test',
      affiliateId: merchant.affiliate.id,
      totals: [
        { amount: 600, currency: 'eur' },
        { amount: 3_000, currency: 'usd' },
      ],
    });
    expect(response.body).toMatchObject({ status: 'paid', commissionCount: 3, clawbacks: [], paidAt: expect.any(String) });
    expect((await api('GET', `/v1/payouts/${response.body.id}`, { key: merchant.apiKey, query: { mode: 'test' } })).body).toEqual(response.body);
    const commissions = await commissionsOf(merchant);
    expect(commissions.map((commission) => commission.status)).toEqual(['paid', 'paid', 'paid']);
    for (const commission of commissions) {
      expect(commission.lines.at(-1)).toMatchObject({ type: 'paid', amount: { amount: -commission.amount.amount }, reason: `payout ${response.body.id}` });
      expect(commission).toMatchObject({ paid: commission.amount, balance: { amount: 0 } });
    }
    expect(await commissionsOf(merchant, { status: 'paid' })).toHaveLength(3);

    const listed = await api('GET', '/v1/payouts', { key: merchant.apiKey, query: { mode: 'test' } });
    expect(listed.body.data).toEqual([response.body]);
    const again = await pay(merchant, { affiliateId: merchant.affiliate.id });
    expect(again.status).toBe(409);
    expect(again.body.error.type).toBe('payout.nothing_to_pay');
  });

  it('pays every currency, even one that only appears past the first page of commissions', async () => {
    const merchant = await sellingMerchant();
    for (let n = 0; n < 31; n++) await sale(merchant, 1_000);
    await sale(merchant, 2_000, 'eur');
    await delivered();
    const response = await pay(merchant, { affiliateId: merchant.affiliate.id });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ commissionCount: 32, totals: [{ amount: 400, currency: 'eur' }, { amount: 31 * 200, currency: 'usd' }] });
    expect((await commissionsOf(merchant, { status: 'approved' })).length).toBe(0);
  });

  it('pays only the commissions named', async () => {
    const merchant = await sellingMerchant();
    await sale(merchant, 1_000);
    await sale(merchant, 2_000);
    await delivered();
    const commissions = await commissionsOf(merchant);
    const larger = commissions.find((commission) => commission.amount.amount === 400);
    const response = await pay(merchant, { affiliateId: merchant.affiliate.id, commissionIds: [larger.id] });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ commissionCount: 1, totals: [{ amount: 400, currency: 'usd' }] });
    const statuses = new Map((await commissionsOf(merchant)).map((commission) => [commission.amount.amount, commission.status]));
    expect(statuses).toEqual(new Map([[200, 'approved'], [400, 'paid']]));
  });

  it('refuses commissions still in their hold period, and says until when', async () => {
    const merchant = await sellingMerchant({ settings: { holdDays: 30 } });
    await sale(merchant, 1_000);
    await delivered();
    const [commission] = await commissionsOf(merchant);
    expect(commission.status).toBe('pending');
    expect(await commissionsOf(merchant, { status: 'pending' })).toHaveLength(1);
    const named = await pay(merchant, { affiliateId: merchant.affiliate.id, commissionIds: [commission.id] });
    expect(named.status).toBe(409);
    expect(named.body.error).toMatchObject({ type: 'payout.commission_not_payable', message: expect.stringContaining(`pending until ${commission.availableAt}`) });
    expect((await pay(merchant, { affiliateId: merchant.affiliate.id })).body.error.type).toBe('payout.nothing_to_pay');
    expect((await commissionsOf(merchant))[0].status).toBe('pending');
  });

  it('refuses a held commission, and the whole payout with it', async () => {
    const merchant = await sellingMerchant();
    await sale(merchant, 1_000);
    const { charge } = await sale(merchant, 2_000);
    await emulator().simulateDispute({ ...on(merchant), charge: charge.id });
    await delivered();
    const commissions = await commissionsOf(merchant);
    const held = commissions.find((commission) => commission.status === 'held');
    const response = await pay(merchant, { affiliateId: merchant.affiliate.id, commissionIds: commissions.map((commission) => commission.id) });
    expect(response.status).toBe(409);
    expect(response.body.error.message).toContain(`${held.id} is held: a dispute is open`);
    expect((await commissionsOf(merchant)).map((commission) => commission.status).sort()).toEqual(['approved', 'held']);
  });

  it('refuses another affiliate\'s commission, and unknown references with a 404', async () => {
    const merchant = await sellingMerchant();
    const other = await createAffiliate(merchant);
    await sale(merchant, 1_000);
    await delivered();
    const [commission] = await commissionsOf(merchant);
    const foreign = await pay(merchant, { affiliateId: other.id, commissionIds: [commission.id] });
    expect(foreign.status).toBe(409);
    expect(foreign.body.error.message).toContain('belongs to another affiliate');
    expect((await pay(merchant, { affiliateId: merchant.affiliate.id, commissionIds: ['com_unknown'] })).status).toBe(404);
    expect((await pay(merchant, { affiliateId: 'aff_unknown' })).status).toBe(404);
    expect((await pay(merchant, { affiliateId: merchant.affiliate.id }, 'live')).body.error.type).toBe('payout.nothing_to_pay');
    expect((await commissionsOf(merchant))[0].status).toBe('approved');
  });

  it.each([
    ['no affiliate', () => ({})],
    ['an empty list of commissions', (affiliateId: string) => ({ affiliateId, commissionIds: [] })],
    ['a repeated commission', (affiliateId: string) => ({ affiliateId, commissionIds: ['com_a', 'com_a'] })],
    ['an unknown field', (affiliateId: string) => ({ affiliateId, amount: 5 })],
  ])('refuses a body with %s (400, nothing paid)', async (_case, body) => {
    const merchant = await sellingMerchant();
    await sale(merchant, 1_000);
    await delivered();
    const response = await pay(merchant, body(merchant.affiliate.id));
    expect(response.status).toBe(400);
    expect((await commissionsOf(merchant))[0].status).toBe('approved');
  });
});
