import { api } from '../support/api';
import { commissionsOf, delivered, on, product, purchasesOf, type SellingMerchant, sellingMerchant } from '../support/purchases';
import { emulator } from '../support/stripe';

const daily = (amount: number) => product('prod_daily', amount, { recurring: { interval: 'day' } });

const subscribe = async (merchant: SellingMerchant, amount = 1_000) => {
  const { subscription } = await emulator().simulateCheckout({ ...on(merchant), kind: 'subscription', clientReferenceId: merchant.affiliate.referralCode, lineItems: [daily(amount)] });
  return subscription?.id as string;
};

const renew = (merchant: SellingMerchant, subscription: string, fail = false) => emulator().simulateRenewal({ ...on(merchant), subscription, fail });

describe('recurring commissions and cancellations', () => {
  it('pays every renewal on an "all" plan', async () => {
    const merchant = await sellingMerchant({ plan: { recurring: 'all' } });
    const subscription = await subscribe(merchant);
    await renew(merchant, subscription);
    await delivered();
    expect((await commissionsOf(merchant)).map((commission) => commission.amount.amount)).toEqual([200, 200]);
  });

  it('pays for the first N months only, counted from the first payment', async () => {
    const merchant = await sellingMerchant({ plan: { recurring: { months: 1 } } });
    const { subscription } = await emulator().simulateCheckout({
      ...on(merchant),
      kind: 'subscription',
      clientReferenceId: merchant.affiliate.referralCode,
      lineItems: [product('prod_monthly', 1_000, { recurring: { interval: 'month' } })],
    });
    await renew(merchant, subscription?.id as string);
    await delivered();
    expect((await purchasesOf(merchant)).map((purchase) => purchase.noCommissionReason)).toEqual([
      null,
      'the plan pays for the first 1 month(s) from the first payment',
    ]);
  });

  it('records a cancellation, counts it in stats, and ends the subscription', async () => {
    const merchant = await sellingMerchant();
    const subscription = await subscribe(merchant);
    // A payment in the very second the subscription ends counts as after it: keep them apart.
    await emulator().advanceClock(60);
    const { subscription: canceled } = await emulator().cancelSubscription({ ...on(merchant), subscription });
    await delivered();
    const day = new Date((canceled.ended_at as number) * 1000).toISOString().slice(0, 10);
    const stats = await api('GET', '/v1/stats', { key: merchant.apiKey, query: { mode: 'test', from: day, to: day } });
    expect(stats.body.cancellations).toBe(1);
    await expect(renew(merchant, subscription)).rejects.toThrow(/no next period/);
    expect(await commissionsOf(merchant)).toHaveLength(1);
  });
});

describe('subscription tracking by billing period', () => {
  it('makes each billing period a purchase at the subscription\'s price, paid or not, until the end date', async () => {
    const merchant = await sellingMerchant({ settings: { subscriptionTracking: 'subscription_period' } });
    const subscription = await subscribe(merchant, 1_500);
    await renew(merchant, subscription);
    await renew(merchant, subscription, true); // declined: the period still counts
    await emulator().advanceClock(60);
    await emulator().cancelSubscription({ ...on(merchant), subscription });
    await delivered();

    const purchases = await purchasesOf(merchant);
    expect(purchases).toHaveLength(3);
    expect(purchases.every((purchase) => purchase.stripe.subscriptionId === subscription && !purchase.stripe.invoiceId)).toBe(true);
    expect(purchases.map((purchase) => purchase.total.amount)).toEqual([1_500, 1_500, 1_500]);
    expect(purchases.map((purchase) => purchase.affiliateId)).toEqual([merchant.affiliate.id, merchant.affiliate.id, merchant.affiliate.id]);
    expect((await commissionsOf(merchant)).map((commission) => commission.amount.amount)).toEqual([300, 300, 300]);
  });

  it('applies a changed setting to subscriptions that start after the change only', async () => {
    const merchant = await sellingMerchant();
    const before = await subscribe(merchant);
    await delivered();
    await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { subscriptionTracking: 'subscription_period' } });
    const after = await subscribe(merchant);
    await renew(merchant, before);
    await renew(merchant, after);
    await delivered();
    const purchases = await purchasesOf(merchant);
    const of = (subscription: string) => purchases.filter((purchase) => purchase.stripe.subscriptionId === subscription);
    expect(of(before).every((purchase) => purchase.stripe.invoiceId)).toBe(true);
    expect(of(after).every((purchase) => !purchase.stripe.invoiceId)).toBe(true);
    expect([of(before).length, of(after).length]).toEqual([2, 2]);
  });
});
