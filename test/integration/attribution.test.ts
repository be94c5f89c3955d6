import { randomBytes } from 'node:crypto';
import { keys } from '../../lambdas/store/keys';
import { api } from '../support/api';
import { fakeBrowser } from '../support/browser';
import { createAffiliate, createMerchant, type TestMerchant } from '../support/factories';
import { stack } from '../support/stack';
import { connectedMerchant, emulator, postEvent, stripeClient, stripeEvent, webhookSecret } from '../support/stripe';
import { newVisitorId, storedItem, track } from '../support/tracking';

type Mode = 'live' | 'test';

const newCustomerId = () => `cus_${randomBytes(7).toString('hex')}`;

/** A customer event as Stripe sends it, `created` now unless given. */
const customerEvent = (
  type: 'customer.created' | 'customer.updated',
  account: string,
  customer: { id: string; email?: string | null; metadata?: Record<string, string> },
  { mode = 'test' as Mode, created = Math.floor(Date.now() / 1000) } = {},
) =>
  stripeEvent(type, account, { object: 'customer', email: null, metadata: {}, created, livemode: mode === 'live', ...customer }, { mode, created });

const send = async (event: ReturnType<typeof customerEvent>, mode: Mode = 'test') => {
  const response = await postEvent(event, { secret: await webhookSecret(mode) });
  expect(response.status).toBe(200);
  return response.body as { status: string; outcome: string };
};

const attributionOf = (merchant: TestMerchant, customerId: string, mode: Mode = 'test') =>
  storedItem(keys.attribution(merchant.merchantId, mode, customerId));

describe('attribution of Stripe customers', () => {
  let merchant: TestMerchant;
  let accountId: string;
  let ada: { id: string; referralCode: string };
  let bob: { id: string; referralCode: string };
  beforeAll(async () => {
    merchant = await createMerchant();
    accountId = await connectedMerchant(merchant, 'test');
    ada = await createAffiliate(merchant);
    bob = await createAffiliate(merchant);
  });

  it('credits a new customer to the tracked lead with its e-mail, in any case', async () => {
    await track('lead', { trackingKey: merchant.trackingKey, email: 'first.buyer@example.com', affiliateCode: ada.referralCode, mode: 'test' });
    const customerId = newCustomerId();
    const result = await send(customerEvent('customer.created', accountId, { id: customerId, email: 'First.Buyer@Example.com' }));
    expect(result).toMatchObject({ status: 'processed', outcome: `customer attributed to ${ada.id} (lead)` });
    expect(await attributionOf(merchant, customerId)).toMatchObject({ affiliateId: ada.id, source: 'lead', customerId });
  });

  it('prefers metadata.tally_affiliate to a lead for another affiliate', async () => {
    await track('lead', { trackingKey: merchant.trackingKey, email: 'meta@example.com', affiliateCode: ada.referralCode, mode: 'test' });
    const customerId = newCustomerId();
    await send(customerEvent('customer.created', accountId, { id: customerId, email: 'meta@example.com', metadata: { tally_affiliate: bob.referralCode.toUpperCase() } }));
    expect(await attributionOf(merchant, customerId)).toMatchObject({ affiliateId: bob.id, source: 'metadata' });
  });

  it('credits tally_<visitorId> in metadata to the affiliate whose link brought the visitor', async () => {
    const visitorId = newVisitorId();
    await track('visit', { trackingKey: merchant.trackingKey, visitorId, affiliateCode: bob.referralCode, mode: 'test' });
    const customerId = newCustomerId();
    await send(customerEvent('customer.created', accountId, { id: customerId, metadata: { tally_affiliate: `tally_${visitorId}` } }));
    expect(await attributionOf(merchant, customerId)).toMatchObject({ affiliateId: bob.id, source: 'metadata' });
  });

  it('never changes an attribution once made', async () => {
    const customerId = newCustomerId();
    await send(customerEvent('customer.created', accountId, { id: customerId, metadata: { tally_affiliate: ada.referralCode } }));
    const first = await attributionOf(merchant, customerId);
    const result = await send(customerEvent('customer.updated', accountId, { id: customerId, metadata: { tally_affiliate: bob.referralCode } }));
    expect(result.outcome).toBe(`customer already attributed to ${ada.id} (metadata); unchanged`);
    expect(await attributionOf(merchant, customerId)).toEqual(first);
  });

  it('credits a customer on update when the e-mail that matches a lead arrives later', async () => {
    await track('lead', { trackingKey: merchant.trackingKey, email: 'later@example.com', affiliateCode: bob.referralCode, mode: 'test' });
    const customerId = newCustomerId();
    expect((await send(customerEvent('customer.created', accountId, { id: customerId }))).outcome).toBe('customer not attributed: no affiliate matched');
    expect(await attributionOf(merchant, customerId)).toBeUndefined();
    await send(customerEvent('customer.updated', accountId, { id: customerId, email: 'later@example.com' }));
    expect(await attributionOf(merchant, customerId)).toMatchObject({ affiliateId: bob.id, source: 'lead' });
  });

  it('does not credit a lead older than the cookie window', async () => {
    const own = await createMerchant();
    const ownAccount = await connectedMerchant(own, 'test');
    const carol = await createAffiliate(own);
    await api('PATCH', '/v1/merchant/settings', { key: own.apiKey, body: { cookieWindowDays: 1 } });
    await track('lead', { trackingKey: own.trackingKey, email: 'slow@example.com', affiliateCode: carol.referralCode, mode: 'test' });
    const customerId = newCustomerId();
    const twoDaysOn = Math.floor(Date.now() / 1000) + 2 * 86_400;
    const result = await send(customerEvent('customer.created', ownAccount, { id: customerId, email: 'slow@example.com' }, { created: twoDaysOn }));
    expect(result.outcome).toBe('customer not attributed: no affiliate matched');
    expect(await attributionOf(own, customerId)).toBeUndefined();
  });

  it('stores one attribution when two events race for the same customer', async () => {
    const customerId = newCustomerId();
    const results = await Promise.all([
      send(customerEvent('customer.created', accountId, { id: customerId, metadata: { tally_affiliate: ada.referralCode } })),
      send(customerEvent('customer.updated', accountId, { id: customerId, metadata: { tally_affiliate: bob.referralCode } })),
    ]);
    const stored = await attributionOf(merchant, customerId);
    expect([ada.id, bob.id]).toContain(stored?.affiliateId);
    expect(results.map((result) => result.status)).toEqual(['processed', 'processed']);
    expect(results.map((result) => result.outcome).sort()).toEqual([
      `customer already attributed to ${stored?.affiliateId} (metadata); unchanged`,
      `customer attributed to ${stored?.affiliateId} (metadata)`,
    ]);
  });

  it('credits a customer created in Stripe (the emulator) with tally_affiliate metadata', async () => {
    const customer = await stripeClient('test').customers.create(
      { email: 'emulated@example.com', metadata: { tally_affiliate: ada.referralCode } },
      { stripeAccount: accountId },
    );
    await emulator().waitForDeliveries();
    expect(await attributionOf(merchant, customer.id)).toMatchObject({ affiliateId: ada.id, source: 'metadata' });
  });
});

describe('test and live attribution', () => {
  it('credits live customers from live leads only', async () => {
    const merchant = await createMerchant();
    const liveAccount = await connectedMerchant(merchant, 'live');
    const ada = await createAffiliate(merchant);
    await track('lead', { trackingKey: merchant.trackingKey, email: 'tested@example.com', affiliateCode: ada.referralCode, mode: 'test' });
    const tested = newCustomerId();
    await send(customerEvent('customer.created', liveAccount, { id: tested, email: 'tested@example.com' }, { mode: 'live' }), 'live');
    expect(await attributionOf(merchant, tested, 'live')).toBeUndefined();

    await track('lead', { trackingKey: merchant.trackingKey, email: 'real@example.com', affiliateCode: ada.referralCode });
    const real = newCustomerId();
    await send(customerEvent('customer.created', liveAccount, { id: real, email: 'real@example.com' }, { mode: 'live' }), 'live');
    expect(await attributionOf(merchant, real, 'live')).toMatchObject({ affiliateId: ada.id, source: 'lead' });
    expect(await attributionOf(merchant, real, 'test')).toBeUndefined();
  });
});

describe('the tracking script on a website, end to end', () => {
  it('turns a referral visit and tally.lead(email) into the attribution of the Stripe customer', async () => {
    const merchant = await createMerchant();
    const accountId = await connectedMerchant(merchant, 'test');
    const ada = await createAffiliate(merchant, { referralCode: 'ada-site' });
    const script = await api('GET', '/v1/track/tally.js');
    const page = fakeBrowser({
      source: script.body,
      scriptSrc: `${stack().apiUrl}/v1/track/tally.js`,
      href: 'https://shop.example/landing?ref=ada-site',
      attributes: { 'data-key': merchant.trackingKey, 'data-mode': 'test' },
      fetch: (url, init) => fetch(url, init as RequestInit),
    });
    expect(await page.tally().lead('site.buyer@example.com')).toBe(true);
    expect(page.cookiesSet).toEqual([expect.stringMatching(/^tally_vid=[\w-]{22}; Max-Age=7776000; Path=\/; SameSite=Lax; Secure$/)]);

    const customerId = newCustomerId();
    await send(customerEvent('customer.created', accountId, { id: customerId, email: 'site.buyer@example.com' }));
    expect(await attributionOf(merchant, customerId)).toMatchObject({ affiliateId: ada.id, source: 'lead' });

    const viaCheckout = newCustomerId();
    const clientReferenceId = page.tally().clientReferenceId() as string;
    await send(customerEvent('customer.created', accountId, { id: viaCheckout, metadata: { tally_affiliate: clientReferenceId } }));
    expect(await attributionOf(merchant, viaCheckout)).toMatchObject({ affiliateId: ada.id, source: 'metadata' });
  });
});
