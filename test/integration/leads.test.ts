import { keys } from '../../lambdas/store/keys';
import { api } from '../support/api';
import { createAffiliate, createMerchant, type TestMerchant } from '../support/factories';
import { deliver, on, purchasesOf, sellingMerchant, testSecret } from '../support/purchases';
import { emulator, stripeClient } from '../support/stripe';
import { storedItem, track } from '../support/tracking';

const lead = (merchant: TestMerchant, body: Record<string, unknown>) => api('POST', '/v1/leads', { key: merchant.apiKey, body });

const leadsToday = async (merchant: TestMerchant) => {
  const today = new Date().toISOString().slice(0, 10);
  return (await api('GET', '/v1/stats', { key: merchant.apiKey, query: { from: today, to: today } })).body.leads;
};

describe('POST /v1/leads (server-side, trusted)', () => {
  it('records a lead naming a Stripe customer, by referral code or affiliate ID, trusted', async () => {
    const merchant = await createMerchant();
    const ada = await createAffiliate(merchant);
    const byCode = await lead(merchant, { email: 'Server.Lead@Example.com', referralCode: ada.referralCode.toUpperCase(), stripeCustomerId: 'cus_Server1', mode: 'test' });
    expect(byCode.status).toBe(201);
    expect(byCode.body).toEqual({
      lead: { email: 'Server.Lead@Example.com', affiliateId: ada.id, stripeCustomerId: 'cus_Server1', visitorId: null, mode: 'test', trusted: true, leadAt: expect.any(String) },
    });
    const stored = { affiliateId: ada.id, via: 'code', trusted: true, stripeCustomerId: 'cus_Server1' };
    expect(await storedItem(keys.emailLead(merchant.merchantId, 'test', 'server.lead@example.com'))).toMatchObject(stored);
    expect(await storedItem(keys.customerLead(merchant.merchantId, 'test', 'cus_Server1'))).toMatchObject(stored);
    expect(await storedItem(keys.customerLead(merchant.merchantId, 'live', 'cus_Server1'))).toBeUndefined();

    const byId = await lead(merchant, { email: 'by.id@example.com', affiliateId: ada.id });
    expect(byId.body.lead).toMatchObject({ affiliateId: ada.id, mode: 'live', stripeCustomerId: null });
    expect(await storedItem(keys.emailLead(merchant.merchantId, 'live', 'by.id@example.com'))).toMatchObject({ via: 'affiliate', trusted: true });
  });

  it("replaces the e-mail's earlier public lead (the merchant's word is the latest), counting the new affiliate's lead", async () => {
    const merchant = await createMerchant();
    const [ada, bob] = [await createAffiliate(merchant), await createAffiliate(merchant)];
    await track('lead', { trackingKey: merchant.trackingKey, email: 'switched@example.com', affiliateCode: ada.referralCode });
    expect((await lead(merchant, { email: 'switched@example.com', referralCode: bob.referralCode })).status).toBe(201);
    expect(await storedItem(keys.emailLead(merchant.merchantId, 'live', 'switched@example.com'))).toMatchObject({ affiliateId: bob.id, trusted: true });
    // And a public lead cannot take it back.
    await track('lead', { trackingKey: merchant.trackingKey, email: 'switched@example.com', affiliateCode: ada.referralCode });
    expect(await storedItem(keys.emailLead(merchant.merchantId, 'live', 'switched@example.com'))).toMatchObject({ affiliateId: bob.id });
    expect(await leadsToday(merchant)).toBe(2);
  });

  it('refuses a lead without the API key, or naming no active affiliate of the merchant, and stores nothing', async () => {
    const merchant = await createMerchant();
    const other = await createMerchant();
    const theirs = await createAffiliate(other);
    const archived = await createAffiliate(merchant);
    await api('DELETE', `/v1/affiliates/${archived.id}`, { key: merchant.apiKey });

    const withTrackingKey = await api('POST', '/v1/leads', { key: merchant.trackingKey, body: { email: 'x@example.com', affiliateId: archived.id } });
    expect(withTrackingKey.status).toBe(401);
    for (const [body, path] of [
      [{ email: 'x@example.com', affiliateId: theirs.id }, 'affiliateId'],
      [{ email: 'x@example.com', referralCode: theirs.referralCode }, 'referralCode'],
      [{ email: 'x@example.com', affiliateId: archived.id }, 'affiliateId'],
      [{ email: 'x@example.com' }, 'referralCode'],
    ] as const) {
      const refused = await lead(merchant, body);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ type: 'validation_error', issues: [expect.objectContaining({ path: [path] })] });
    }
    expect(await storedItem(keys.emailLead(merchant.merchantId, 'live', 'x@example.com'))).toBeUndefined();
  });

  it('credits the purchase of the Stripe customer it names, even one paying with another e-mail', async () => {
    const merchant = await sellingMerchant();
    const customer = await stripeClient('test').customers.create({ email: 'billing@example.com' }, { stripeAccount: merchant.accountId });
    await lead(merchant, { email: 'signup@example.com', stripeCustomerId: customer.id, referralCode: merchant.affiliate.referralCode, mode: 'test' });
    // The emulator's clock runs ahead of Tally's once any test has moved it (past the cookie window,
    // after many renewals), so the payment is stamped now, after the lead, on the event itself.
    const { events } = await emulator().simulatePayment({ ...on(merchant), deliver: false, amount: 2_000, customer: customer.id });
    const charged = events.find((event) => event.type === 'charge.succeeded') as unknown as { created: number; data: { object: Record<string, unknown> } };
    const at = Math.floor(Date.now() / 1000) + 1;
    const event = { ...charged, created: at, data: { ...charged.data, object: { ...charged.data.object, created: at } } };
    expect((await deliver(event as unknown as (typeof events)[number], await testSecret())).status).toBe(200);
    expect(await purchasesOf(merchant)).toEqual([expect.objectContaining({ affiliateId: merchant.affiliate.id, attribution: { source: 'lead' } })]);
  });
});
