import type Stripe from 'stripe';
import { randomBytes } from 'node:crypto';
import { keys } from '../../lambdas/store/keys';
import { api } from '../support/api';
import { fakeBrowser } from '../support/browser';
import { createAffiliate, createMerchant, type TestMerchant } from '../support/factories';
import { deliver, delivered, on, product, purchasesOf, type SellingMerchant, sellingMerchant } from '../support/purchases';
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

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * A customer's payment that Stripe made at `at` (Unix seconds), delivered now. The emulator's clock
 * runs ahead of Tally's once any test has moved it, so the time is set on the event itself.
 */
const paymentAt = async (merchant: SellingMerchant, email: string, at: number) => {
  const { events } = await emulator().simulatePayment({ ...on(merchant), deliver: false, amount: 2_000, customer: { email } });
  const charged = events.find((event) => event.type === 'charge.succeeded') as Stripe.ChargeSucceededEvent;
  const event = { ...charged, created: at, data: { ...charged.data, object: { ...charged.data.object, created: at } } };
  expect((await deliver(event as Stripe.Event, await webhookSecret(merchant.mode))).status).toBe(200);
  return charged.data.object.customer as string;
};

const purchaseOf = async (merchant: SellingMerchant, customerId: string) =>
  (await purchasesOf(merchant)).find((purchase) => purchase.stripe.customerId === customerId);

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

  it("leaves a customer whom only a lead matches to its first purchase, where the customer's promotion code can outrank the lead", async () => {
    await track('lead', { trackingKey: merchant.trackingKey, email: 'first.buyer@example.com', affiliateCode: ada.referralCode, mode: 'test' });
    const customerId = newCustomerId();
    const result = await send(customerEvent('customer.created', accountId, { id: customerId, email: 'First.Buyer@Example.com' }));
    expect(result).toMatchObject({ status: 'processed', outcome: 'customer not attributed: no affiliate matched' });
    await send(customerEvent('customer.updated', accountId, { id: customerId, email: 'first.buyer@example.com' }));
    expect(await attributionOf(merchant, customerId)).toBeUndefined();
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

  it('credits a customer on update when metadata naming an affiliate arrives later', async () => {
    const customerId = newCustomerId();
    expect((await send(customerEvent('customer.created', accountId, { id: customerId }))).outcome).toBe('customer not attributed: no affiliate matched');
    await send(customerEvent('customer.updated', accountId, { id: customerId, metadata: { tally_affiliate: bob.referralCode } }));
    expect(await attributionOf(merchant, customerId)).toMatchObject({ affiliateId: bob.id, source: 'metadata' });
  });

  it("credits a purchase to the lead of the customer's e-mail within the cookie window, and not after it", async () => {
    const own = await sellingMerchant({ settings: { cookieWindowDays: 1 } });
    for (const email of ['Quick@Example.com', 'slow@example.com'])
      await track('lead', { trackingKey: own.trackingKey, email, affiliateCode: own.affiliate.referralCode, mode: 'test' });
    const quick = await paymentAt(own, 'quick@example.com', nowSeconds() + 3_600);
    const slow = await paymentAt(own, 'slow@example.com', nowSeconds() + 2 * 86_400);
    expect(await purchaseOf(own, quick)).toMatchObject({ affiliateId: own.affiliate.id, attribution: { source: 'lead' } });
    expect(await purchaseOf(own, slow)).toMatchObject({ affiliateId: null, attribution: { source: null } });
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
  it('credits live purchases from live leads only', async () => {
    const merchant = await sellingMerchant({ mode: 'live' });
    await track('lead', { trackingKey: merchant.trackingKey, email: 'tested@example.com', affiliateCode: merchant.affiliate.referralCode, mode: 'test' });
    await track('lead', { trackingKey: merchant.trackingKey, email: 'real@example.com', affiliateCode: merchant.affiliate.referralCode });
    const tested = await paymentAt(merchant, 'tested@example.com', nowSeconds() + 60);
    const real = await paymentAt(merchant, 'real@example.com', nowSeconds() + 60);
    expect(await purchaseOf(merchant, tested)).toMatchObject({ affiliateId: null });
    expect(await purchaseOf(merchant, real)).toMatchObject({ affiliateId: merchant.affiliate.id, attribution: { source: 'lead' } });
    expect(await attributionOf(merchant, real, 'live')).toMatchObject({ affiliateId: merchant.affiliate.id, source: 'lead' });
    expect(await attributionOf(merchant, real, 'test')).toBeUndefined();
  });
});

describe('what a public tracking key cannot steal', () => {
  /** A promotion code the merchant made by hand in Stripe for the honest affiliate's coupon code. */
  const honestCode = async (merchant: SellingMerchant) => {
    const stripe = stripeClient(merchant.mode);
    const options = { stripeAccount: merchant.accountId };
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: 'once' }, options);
    await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: merchant.affiliate.couponCode as string }, options);
  };

  it("keeps the sale with the affiliate whose promotion code the customer typed, whatever lead a stranger sent for the customer's e-mail", async () => {
    const merchant = await sellingMerchant({ affiliate: { couponCode: `HONEST-${randomBytes(3).toString('hex')}` } });
    await honestCode(merchant);
    const mallory = await createAffiliate(merchant);
    const spoofed = await track('lead', { trackingKey: merchant.trackingKey, email: 'victim@example.com', affiliateCode: mallory.referralCode, mode: 'test' });
    expect(spoofed.status).toBe(202);

    const { customer } = await emulator().simulateCheckout({
      ...on(merchant),
      kind: 'subscription',
      customer: { email: 'victim@example.com' },
      lineItems: [product('prod_pro', 3_000, { recurring: { interval: 'month' } })],
      promotionCode: (merchant.affiliate.couponCode as string).toLowerCase(),
    });
    await delivered();
    expect(await purchasesOf(merchant)).toEqual([expect.objectContaining({ affiliateId: merchant.affiliate.id, attribution: { source: 'coupon' } })]);
    expect(await attributionOf(merchant, customer?.id as string)).toMatchObject({ affiliateId: merchant.affiliate.id, source: 'coupon' });
  });

  it('never credits a lead to a purchase made before it was recorded', async () => {
    const merchant = await sellingMerchant();
    // Stripe took the payment a minute ago; a lead for the buyer's e-mail arrives before its event does.
    const paidAt = nowSeconds() - 60;
    await track('lead', { trackingKey: merchant.trackingKey, email: 'early.buyer@example.com', affiliateCode: merchant.affiliate.referralCode, mode: 'test' });
    const customerId = await paymentAt(merchant, 'early.buyer@example.com', paidAt);
    expect(await purchaseOf(merchant, customerId)).toMatchObject({ affiliateId: null, attribution: { source: null } });
    expect(await attributionOf(merchant, customerId)).toBeUndefined();
  });

  it("keeps an honest referral when a stranger sends a later lead for the same e-mail", async () => {
    const merchant = await sellingMerchant();
    const mallory = await createAffiliate(merchant);
    const visitorId = newVisitorId();
    await track('visit', { trackingKey: merchant.trackingKey, visitorId, affiliateCode: merchant.affiliate.referralCode, mode: 'test' });
    await track('lead', { trackingKey: merchant.trackingKey, visitorId, email: 'referred@example.com', mode: 'test' });
    await track('lead', { trackingKey: merchant.trackingKey, email: 'referred@example.com', affiliateCode: mallory.referralCode, mode: 'test' });

    const customerId = await paymentAt(merchant, 'referred@example.com', nowSeconds() + 60);
    expect(await purchaseOf(merchant, customerId)).toMatchObject({ affiliateId: merchant.affiliate.id, attribution: { source: 'lead' } });
  });
});

describe('the tracking script on a website, end to end', () => {
  it("turns a referral visit and tally.lead(email) into the credit of the customer's purchase", async () => {
    const merchant = await sellingMerchant({ affiliate: { referralCode: `ada-site-${randomBytes(3).toString('hex')}` } });
    const ada = merchant.affiliate;
    const script = await api('GET', '/v1/track/tally.js');
    const page = fakeBrowser({
      source: script.body,
      scriptSrc: `${stack().apiUrl}/v1/track/tally.js`,
      href: `https://shop.example/landing?ref=${ada.referralCode}`,
      attributes: { 'data-key': merchant.trackingKey, 'data-mode': 'test' },
      fetch: (url, init) => fetch(url, init as RequestInit),
    });
    expect(await page.tally().lead('site.buyer@example.com')).toBe(true);
    expect(page.cookiesSet).toEqual([expect.stringMatching(/^tally_vid=[\w-]{22}; Max-Age=7776000; Path=\/; SameSite=Lax; Secure$/)]);

    const byLead = await paymentAt(merchant, 'site.buyer@example.com', nowSeconds() + 60);
    expect(await purchaseOf(merchant, byLead)).toMatchObject({ affiliateId: ada.id, attribution: { source: 'lead' } });

    const { customer, events } = await emulator().simulateCheckout({
      ...on(merchant),
      kind: 'payment',
      deliver: false,
      customer: { email: 'other.buyer@example.com' },
      clientReferenceId: page.tally().clientReferenceId() as string,
      lineItems: [product('prod_mug', 1_500)],
    });
    // Stamped now, as paymentAt does: the shared emulator clock may have run past the cookie window.
    const at = nowSeconds() + 60;
    // Plain shapes, not Stripe.Event: spreading that union of every event type is slow to typecheck.
    for (const event of events as unknown as { created: number; data: { object: Record<string, unknown> } }[]) {
      const object = event.data.object;
      const stamped = { ...event, created: at, data: { ...event.data, object: { ...object, ...(typeof object.created === 'number' ? { created: at } : {}) } } };
      expect((await deliver(stamped as unknown as Stripe.Event, await webhookSecret(merchant.mode))).status).toBe(200);
    }
    expect(await purchaseOf(merchant, customer?.id as string)).toMatchObject({ affiliateId: ada.id, attribution: { source: 'metadata' } });
  });
});
