import { api } from '../support/api';
import { unique } from '../support/factories';
import { commissionsOf, delivered, lineAmounts, on, product, purchasesOf, type SellingMerchant, sellingMerchant } from '../support/purchases';
import { emulator, stripeClient } from '../support/stripe';
import { newVisitorId, track } from '../support/tracking';

const monthly = { recurring: { interval: 'month' as const } };

/** A promotion code the merchant made by hand in the dashboard (Tally did not create it). */
const handMadePromotionCode = async (merchant: SellingMerchant, code: string, percentOff: number) => {
  const stripe = stripeClient(merchant.mode);
  const options = { stripeAccount: merchant.accountId };
  const coupon = await stripe.coupons.create({ percent_off: percentOff, duration: 'once' }, options);
  return stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code }, options);
};

describe('purchases and commissions', () => {
  it('records a subscription bought through Checkout, credited by client_reference_id, with its commission', async () => {
    const merchant = await sellingMerchant();
    const { invoice, subscription, customer } = await emulator().simulateCheckout({
      ...on(merchant),
      kind: 'subscription',
      lineItems: [product('prod_pro', 4_900, monthly)],
      clientReferenceId: merchant.affiliate.referralCode,
    });
    await delivered();

    const purchases = await purchasesOf(merchant);
    expect(purchases).toHaveLength(1);
    expect(purchases[0]).toMatchObject({
      mode: 'test',
      affiliateId: merchant.affiliate.id,
      attribution: { source: 'metadata' },
      stripe: { customerId: customer?.id, invoiceId: invoice?.id, subscriptionId: subscription?.id, checkoutSessionId: expect.stringMatching(/^cs_/) },
      total: { amount: 4_900, currency: 'usd' },
      commissionable: { amount: 4_900, currency: 'usd' },
      refunded: { amount: 0, currency: 'usd' },
      lines: [{ productId: 'prod_pro', amount: { amount: 4_900, currency: 'usd' } }],
    });
    const [commission] = await commissionsOf(merchant);
    expect(commission).toMatchObject({ purchaseId: purchases[0].id, affiliateId: merchant.affiliate.id, status: 'approved', amount: { amount: 980, currency: 'usd' } });
    expect(lineAmounts(commission)).toEqual([['earned', 980]]);
  });

  it('records a one-off Checkout payment once (charge and session are one purchase), tax excluded and net of the discount, over more than ten lines', async () => {
    const merchant = await sellingMerchant({ affiliate: { couponCode: 'SPRING-20' } });
    await handMadePromotionCode(merchant, 'SPRING-20', 10);
    const lineItems = Array.from({ length: 12 }, (_, i) => product(`prod_item${i}`, 1_000));
    const { paymentIntent, charge, session } = await emulator().simulateCheckout({
      ...on(merchant),
      kind: 'payment',
      customer: { email: 'buyer@example.com' },
      lineItems,
      promotionCode: 'spring-20',
      taxBps: 1_000,
    });
    await delivered();

    const purchases = await purchasesOf(merchant);
    expect(purchases).toHaveLength(1);
    const [purchase] = purchases;
    expect(purchase).toMatchObject({
      affiliateId: merchant.affiliate.id,
      attribution: { source: 'coupon' },
      stripe: { paymentIntentId: paymentIntent?.id, chargeId: charge?.id, checkoutSessionId: session.id },
      total: { amount: 11_880, currency: 'usd' }, // 12 000 − 10 % + 10 % tax
      commissionable: { amount: 10_800, currency: 'usd' },
    });
    expect(purchase.lines).toHaveLength(12);
    expect(purchase.lines[11]).toEqual({ productId: 'prod_item11', amount: { amount: 900, currency: 'usd' } });
    expect((await commissionsOf(merchant))[0].amount).toEqual({ amount: 2_160, currency: 'usd' });
  });

  it("records the affiliate's own purchase through their link, and pays nothing on it (self-referral)", async () => {
    const email = `${unique('jane')}@gmail.com`;
    const merchant = await sellingMerchant({ affiliate: { email } });
    const [local, domain] = email.split('@') as [string, string];
    await emulator().simulateCheckout({
      ...on(merchant),
      kind: 'payment',
      customer: { email: `${local.slice(0, 2)}.${local.slice(2).toUpperCase()}+deal@${domain}` },
      clientReferenceId: merchant.affiliate.referralCode,
      lineItems: [product('prod_self', 5_000)],
    });
    await delivered();
    const [purchase] = await purchasesOf(merchant);
    expect(purchase).toMatchObject({ affiliateId: merchant.affiliate.id, commissionId: null, noCommissionReason: expect.stringMatching(/^self_referral/) });
    expect(await commissionsOf(merchant)).toEqual([]);
  });

  it('pays a line-items plan only on the plan\'s products', async () => {
    const merchant = await sellingMerchant({ plan: { paymentFor: 'line_items', lineItemSkus: ['prod_course'] } });
    await emulator().simulateCheckout({
      ...on(merchant),
      kind: 'payment',
      customer: { metadata: { tally_affiliate: merchant.affiliate.referralCode } },
      lineItems: [product('prod_course', 20_000), product('prod_book', 3_000)],
    });
    await delivered();
    const [purchase] = await purchasesOf(merchant);
    expect(purchase).toMatchObject({ total: { amount: 23_000 }, commissionable: { amount: 20_000 } });
    expect((await commissionsOf(merchant))[0].amount.amount).toBe(4_000);
  });

  it('records a payment made without Checkout or an invoice, credited by its metadata', async () => {
    const merchant = await sellingMerchant();
    const { paymentIntent } = await emulator().simulatePayment({ ...on(merchant), amount: 2_500, metadata: { tally_affiliate: merchant.affiliate.referralCode } });
    await delivered();
    const [purchase] = await purchasesOf(merchant);
    expect(purchase).toMatchObject({
      affiliateId: merchant.affiliate.id,
      attribution: { source: 'metadata' },
      stripe: { customerId: null, paymentIntentId: paymentIntent.id },
      total: { amount: 2_500 },
      lines: [{ productId: null, amount: { amount: 2_500 } }],
    });
    expect((await commissionsOf(merchant))[0].amount.amount).toBe(500);
  });

  it('records an invoiced one-off credited by the customer\'s metadata', async () => {
    const merchant = await sellingMerchant();
    const { invoice } = await emulator().simulateInvoice({
      ...on(merchant),
      customer: { email: 'invoiced@example.com', metadata: { tally_affiliate: merchant.affiliate.referralCode } },
      lineItems: [product('prod_consulting', 15_000)],
    });
    await delivered();
    const purchases = await purchasesOf(merchant);
    expect(purchases).toHaveLength(1);
    expect(purchases[0]).toMatchObject({ affiliateId: merchant.affiliate.id, attribution: { source: 'metadata' }, stripe: { invoiceId: invoice.id } });
  });

  it('credits a customer whose e-mail a tracked lead left within the cookie window', async () => {
    const merchant = await sellingMerchant();
    await track('lead', { trackingKey: merchant.trackingKey, visitorId: newVisitorId(), email: 'Lead.Buyer@Example.com', affiliateCode: merchant.affiliate.referralCode, mode: 'test' });
    await emulator().simulateCheckout({ ...on(merchant), kind: 'subscription', customer: { email: 'lead.buyer@example.com' }, lineItems: [product('prod_pro', 1_000, monthly)] });
    await delivered();
    expect((await purchasesOf(merchant))[0]).toMatchObject({ affiliateId: merchant.affiliate.id, attribution: { source: 'lead' } });
  });

  it('records a sale nobody referred, with no commission', async () => {
    const merchant = await sellingMerchant();
    await emulator().simulateCheckout({ ...on(merchant), kind: 'payment', lineItems: [product('prod_mug', 1_500)] });
    await delivered();
    expect(await purchasesOf(merchant)).toEqual([
      expect.objectContaining({ affiliateId: null, attribution: { source: null }, total: { amount: 1_500, currency: 'usd' }, commissionId: null }),
    ]);
    expect(await commissionsOf(merchant)).toEqual([]);
  });

  it('records a free trial\'s $0 invoice and earns on the first paid one', async () => {
    const merchant = await sellingMerchant({ plan: { recurring: 'first' } });
    const { subscription } = await emulator().simulateCheckout({
      ...on(merchant),
      kind: 'subscription',
      trialDays: 1,
      clientReferenceId: merchant.affiliate.referralCode,
      lineItems: [product('prod_pro', 3_000, { recurring: { interval: 'day' } })],
    });
    await emulator().simulateRenewal({ ...on(merchant), subscription: subscription?.id as string });
    await emulator().simulateRenewal({ ...on(merchant), subscription: subscription?.id as string });
    await delivered();
    const purchases = await purchasesOf(merchant);
    expect(purchases.map((purchase) => [purchase.total.amount, purchase.noCommissionReason])).toEqual([
      [0, 'nothing was paid'],
      [3_000, null],
      [3_000, 'the plan pays on the first payment only'],
    ]);
    expect((await commissionsOf(merchant)).map((commission) => commission.amount.amount)).toEqual([600]);
  });

  it('handles zero-decimal currencies in whole units', async () => {
    const merchant = await sellingMerchant({ plan: { rate: { percentBps: 1_250 } } });
    await emulator().simulateCheckout({
      ...on(merchant),
      kind: 'payment',
      customer: { metadata: { tally_affiliate: merchant.affiliate.referralCode } },
      lineItems: [product('prod_ticket', 3_999, { currency: 'jpy' })],
    });
    await delivered();
    expect((await purchasesOf(merchant))[0].total).toEqual({ amount: 3_999, currency: 'jpy' });
    const [commission] = await commissionsOf(merchant);
    expect(commission.amount).toEqual({ amount: 500, currency: 'jpy' }); // 499.875 → 500
    expect(commission.lines[0].reason).toMatch(/^12\.5 % of 3999 JPY \(plan /);
  });

  it('pays a flat rate only in its own currency, and says so otherwise', async () => {
    const merchant = await sellingMerchant({ plan: { rate: { flat: { amount: 700, currency: 'eur' } } } });
    await emulator().simulatePayment({ ...on(merchant), amount: 5_000, currency: 'usd', metadata: { tally_affiliate: merchant.affiliate.referralCode } });
    await emulator().simulatePayment({ ...on(merchant), amount: 5_000, currency: 'eur', metadata: { tally_affiliate: merchant.affiliate.referralCode } });
    await delivered();
    const purchases = await purchasesOf(merchant);
    expect(purchases.find((purchase) => purchase.total.currency === 'usd').noCommissionReason).toMatch(/flat rate is in EUR.*no exchange rate is guessed/);
    expect((await commissionsOf(merchant)).map((commission) => commission.amount)).toEqual([{ amount: 700, currency: 'eur' }]);
  });

  it('keeps test and live apart: the same merchant\'s live sale never shows in test, nor the reverse', async () => {
    const merchant = await sellingMerchant({ mode: 'live' });
    await emulator().simulatePayment({ ...on(merchant), amount: 1_000, metadata: { tally_affiliate: merchant.affiliate.referralCode } });
    await delivered();
    expect(await purchasesOf(merchant, 'live')).toHaveLength(1);
    expect(await purchasesOf(merchant, 'test')).toEqual([]);
    expect((await api('GET', '/v1/commissions', { key: merchant.apiKey, query: { mode: 'test' } })).body.data).toEqual([]);
    expect((await api('GET', '/v1/purchases', { key: merchant.apiKey })).body.data).toHaveLength(1); // live by default
  });

  it('lists only the merchant\'s own ledger', async () => {
    const merchant = await sellingMerchant();
    const other = await sellingMerchant();
    await emulator().simulatePayment({ ...on(merchant), amount: 1_000 });
    await delivered();
    expect(await purchasesOf(other)).toEqual([]);
    expect((await api('GET', '/v1/commissions', { key: other.apiKey, query: { mode: 'test', affiliateId: merchant.affiliate.id } })).status).toBe(404);
  });

  it('refuses bad list queries with a 400', async () => {
    const merchant = await sellingMerchant();
    for (const query of [{ mode: 'sandbox' }, { status: 'due' }, { limit: '0' }, { cursor: 'not-a-cursor' }]) {
      const response = await api('GET', '/v1/commissions', { key: merchant.apiKey, query });
      expect(response.status).toBe(400);
    }
    expect((await api('GET', '/v1/purchases')).status).toBe(401);
  });
});
