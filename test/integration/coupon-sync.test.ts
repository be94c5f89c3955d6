import { api } from '../support/api';
import {
  type ConnectedTestMerchant,
  couponsOn,
  eventually,
  getAffiliate,
  lastRequestSeq,
  merchantWithStripe,
  promotionCodeByHand,
  promotionCodesOn,
  resync,
  settledAffiliate,
  writesSince,
} from '../support/coupon-sync';
import { createAffiliate, createMerchant, unique } from '../support/factories';
import { emulator } from '../support/stripe';

jest.setTimeout(90_000);

const fifteenOnce = { percentOff: 15, duration: 'once' };
const code = () => unique('C').toUpperCase();

/** Creates an affiliate, queues its sync and waits for the outcome. */
const syncedAffiliate = async (merchant: ConnectedTestMerchant, overrides: Record<string, unknown>) => {
  const affiliate = await createAffiliate(merchant, overrides);
  expect((await resync(merchant, affiliate.id)).status).toBe(202);
  return settledAffiliate(merchant, affiliate.id);
};

const patchAffiliate = async (merchant: ConnectedTestMerchant, affiliateId: string, body: object) => {
  const response = await api('PATCH', `/v1/affiliates/${affiliateId}`, { key: merchant.apiKey, body });
  expect(response.status).toBe(200);
  return response.body;
};

const resyncAndSettle = async (merchant: ConnectedTestMerchant, affiliateId: string) => {
  expect((await resync(merchant, affiliateId)).status).toBe(202);
  return settledAffiliate(merchant, affiliateId);
};

describe('syncing one affiliate', () => {
  let merchant: ConnectedTestMerchant;
  beforeAll(async () => {
    merchant = await merchantWithStripe('test');
  });

  it('creates a coupon with the discount and an active promotion code naming the affiliate', async () => {
    const couponCode = code();
    const affiliate = await createAffiliate(merchant, { couponCode, discount: fifteenOnce });
    const queued = await resync(merchant, affiliate.id);
    expect(queued.status).toBe(202);
    expect(queued.body.couponSync.test.status).toBe('pending');

    const synced = (await settledAffiliate(merchant, affiliate.id)).couponSync.test;
    expect(synced).toMatchObject({ status: 'synced', stripeCouponId: expect.any(String), stripePromotionCodeId: expect.any(String) });
    expect(Date.parse(synced.lastSyncedAt)).toBeGreaterThan(Date.now() - 60_000);
    const [promo, ...others] = await promotionCodesOn(merchant, couponCode);
    expect(others).toEqual([]);
    expect(promo).toMatchObject({
      id: synced.stripePromotionCodeId,
      code: couponCode,
      active: true,
      metadata: { tally_affiliate_id: affiliate.id, tally_merchant_id: merchant.merchantId },
      promotion: { coupon: { id: synced.stripeCouponId, percent_off: 15, duration: 'once', valid: true } },
    });
  });

  it('writes nothing to Stripe when the affiliate is already in sync', async () => {
    const affiliate = await syncedAffiliate(merchant, { couponCode: code(), discount: fifteenOnce });
    const since = await lastRequestSeq();
    const again = await resyncAndSettle(merchant, affiliate.id);
    expect(again.couponSync.test).toMatchObject({ status: 'synced', stripePromotionCodeId: affiliate.couponSync.test.stripePromotionCodeId });
    expect(await writesSince(merchant, since)).toEqual([]);
  });

  it('moves a changed code to a new promotion code on the same coupon and deactivates the old one', async () => {
    const before = await syncedAffiliate(merchant, { couponCode: code(), discount: fifteenOnce });
    const newCode = code();
    expect((await patchAffiliate(merchant, before.id, { couponCode: newCode })).couponSync.test.status).toBe('pending');
    const after = (await resyncAndSettle(merchant, before.id)).couponSync.test;

    expect(after.status).toBe('synced');
    expect(after.stripeCouponId).toBe(before.couponSync.test.stripeCouponId);
    expect(after.stripePromotionCodeId).not.toBe(before.couponSync.test.stripePromotionCodeId);
    expect((await promotionCodesOn(merchant, before.couponCode)).map((promo) => promo.active)).toEqual([false]);
    expect(await promotionCodesOn(merchant, newCode)).toEqual([expect.objectContaining({ id: after.stripePromotionCodeId, active: true })]);
  });

  it('makes a new coupon for a changed discount, since Stripe coupons cannot change terms', async () => {
    const before = await syncedAffiliate(merchant, { couponCode: code(), discount: fifteenOnce });
    await patchAffiliate(merchant, before.id, { discount: { amountOff: 500, currency: 'usd', duration: 'repeating', durationInMonths: 3 } });
    const after = (await resyncAndSettle(merchant, before.id)).couponSync.test;

    expect(after.status).toBe('synced');
    expect(after.stripeCouponId).not.toBe(before.couponSync.test.stripeCouponId);
    const promos = await promotionCodesOn(merchant, before.couponCode);
    expect(promos.filter((promo) => promo.active)).toEqual([
      expect.objectContaining({
        id: after.stripePromotionCodeId,
        promotion: expect.objectContaining({ coupon: expect.objectContaining({ amount_off: 500, currency: 'usd', duration: 'repeating', duration_in_months: 3 }) }),
      }),
    ]);
    expect(promos.find((promo) => promo.id === before.couponSync.test.stripePromotionCodeId)?.active).toBe(false);
  });

  it('deactivates the code of an archived affiliate, and brings the same code back when it is restored', async () => {
    const before = await syncedAffiliate(merchant, { couponCode: code(), discount: fifteenOnce });
    expect((await api('DELETE', `/v1/affiliates/${before.id}`, { key: merchant.apiKey })).status).toBe(200);
    const archived = (await resyncAndSettle(merchant, before.id)).couponSync.test;
    expect(archived).toMatchObject({ status: 'synced', stripePromotionCodeId: before.couponSync.test.stripePromotionCodeId });
    expect((await promotionCodesOn(merchant, before.couponCode)).map((promo) => promo.active)).toEqual([false]);

    await patchAffiliate(merchant, before.id, { status: 'active' });
    const restored = (await resyncAndSettle(merchant, before.id)).couponSync.test;
    expect(restored.stripePromotionCodeId).toBe(before.couponSync.test.stripePromotionCodeId);
    expect((await promotionCodesOn(merchant, before.couponCode)).map((promo) => promo.active)).toEqual([true]);
  });

  it('reports a conflict with a code the merchant made by hand, and leaves that code alone', async () => {
    const taken = code();
    const byHand = await promotionCodeByHand(merchant, taken);
    const affiliate = await syncedAffiliate(merchant, { couponCode: taken, discount: fifteenOnce });

    expect(affiliate.couponSync.test.status).toBe('conflict');
    expect(affiliate.couponSync.test.error).toContain(`"${taken}" is already used by an active promotion code in Stripe (${byHand.id})`);
    expect(await promotionCodesOn(merchant, taken)).toEqual([expect.objectContaining({ id: byHand.id, active: true })]);
  });

  it('adopts the code of an affiliate without a discount that the merchant made by hand', async () => {
    const manual = code();
    const byHand = await promotionCodeByHand(merchant, manual);
    const affiliate = await syncedAffiliate(merchant, { couponCode: manual });
    expect(affiliate.couponSync.test).toMatchObject({ status: 'synced', stripePromotionCodeId: byHand.id });
  });

  it('fails with a clear message for a code without a discount that does not exist in Stripe, creating nothing', async () => {
    const since = await lastRequestSeq();
    const affiliate = await syncedAffiliate(merchant, { couponCode: code() });
    expect(affiliate.couponSync.test.status).toBe('failed');
    expect(affiliate.couponSync.test.error).toMatch(/No active promotion code .* exists in Stripe/);
    expect(await writesSince(merchant, since)).toEqual([]);
  });

  it('is not applicable to an affiliate without a code', async () => {
    const affiliate = await syncedAffiliate(merchant, {});
    expect(affiliate.couponSync.test.status).toBe('not_applicable');
  });

  it('refuses a mode without a connected account, another merchant\'s affiliate, and a bad mode', async () => {
    const affiliate = await createAffiliate(merchant, { couponCode: code(), discount: fifteenOnce });
    const live = await api('POST', `/v1/affiliates/${affiliate.id}/resync`, { key: merchant.apiKey, query: { mode: 'live' } });
    expect(live.status).toBe(409);
    expect(live.body.error.type).toBe('coupon_sync.not_connected');

    const stranger = await merchantWithStripe('test');
    expect((await resync(stranger, affiliate.id)).status).toBe(404);
    expect((await api('POST', `/v1/affiliates/${affiliate.id}/resync`, { key: merchant.apiKey, query: { mode: 'staging' } })).status).toBe(400);
    expect((await getAffiliate(merchant, affiliate.id)).couponSync.test.status).toBe('pending');
  });
});

describe('drift made in the Stripe dashboard', () => {
  it('marks a deactivated code out of sync; with auto-sync on the code is restored at once', async () => {
    const merchant = await merchantWithStripe('test');
    const affiliate = await syncedAffiliate(merchant, { couponCode: code(), discount: fifteenOnce });
    const promoId = affiliate.couponSync.test.stripePromotionCodeId;

    await emulator().deactivatePromotionCode(merchant.accountId, promoId);
    const marked = await eventually(
      () => getAffiliate(merchant, affiliate.id),
      (current) => current.couponSync.test.status === 'pending',
      { what: 'the deactivation to mark the affiliate' },
    );
    expect(marked.couponSync.test.error).toContain(`${promoId} was deactivated in Stripe`);
    // Without auto-sync it waits for the merchant.
    await emulator().waitForDeliveries();
    expect((await getAffiliate(merchant, affiliate.id)).couponSync.test.status).toBe('pending');

    await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { autoSyncCoupons: true } });
    await settledAffiliate(merchant, affiliate.id);
    await emulator().deactivatePromotionCode(merchant.accountId, promoId);
    const repaired = await eventually(
      () => promotionCodesOn(merchant, affiliate.couponCode),
      (promos) => promos.some((promo) => promo.active),
      { what: 'the code to be active again' },
    );
    expect(repaired.filter((promo) => promo.active)).toHaveLength(1);
    expect((await settledAffiliate(merchant, affiliate.id)).couponSync.test.status).toBe('synced');
  });

  it('replaces a coupon deleted in the dashboard when auto-sync is on', async () => {
    const merchant = await merchantWithStripe('test');
    await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { autoSyncCoupons: true } });
    const created = await createAffiliate(merchant, { couponCode: code(), discount: fifteenOnce });
    const affiliate = await settledAffiliate(merchant, created.id);
    const oldCoupon = affiliate.couponSync.test.stripeCouponId;

    await emulator().deleteCoupon(merchant.accountId, oldCoupon);
    const replaced = await eventually(
      () => getAffiliate(merchant, affiliate.id),
      (current) => current.couponSync.test.status === 'synced' && current.couponSync.test.stripeCouponId !== oldCoupon,
      { what: 'a new coupon' },
    );
    const active = (await promotionCodesOn(merchant, affiliate.couponCode)).filter((promo) => promo.active);
    expect(active).toEqual([expect.objectContaining({ id: replaced.couponSync.test.stripePromotionCodeId })]);
  });
});

describe('automatic sync', () => {
  it('starts a bulk resync when turned on, then syncs every new, changed and archived code by itself', async () => {
    const merchant = await merchantWithStripe('test');
    const existing = await createAffiliate(merchant, { couponCode: code(), discount: fifteenOnce });
    const turnedOn = await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { autoSyncCoupons: true } });
    expect(turnedOn.status).toBe(200);
    expect(turnedOn.body.settings.autoSyncCoupons).toBe(true);
    expect(turnedOn.body.resyncJob).toMatchObject({ modes: ['test'], trigger: 'settings', status: 'running' });
    expect((await settledAffiliate(merchant, existing.id)).couponSync.test.status).toBe('synced');

    const again = await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { autoSyncCoupons: true } });
    expect(again.body.resyncJob).toBeUndefined();

    const created = await createAffiliate(merchant, { couponCode: code(), discount: fifteenOnce });
    const synced = (await settledAffiliate(merchant, created.id)).couponSync.test;
    expect(synced.status).toBe('synced');

    await patchAffiliate(merchant, created.id, { discount: { percentOff: 20, duration: 'forever' } });
    const changed = (await settledAffiliate(merchant, created.id)).couponSync.test;
    expect(changed.stripeCouponId).not.toBe(synced.stripeCouponId);

    await api('DELETE', `/v1/affiliates/${created.id}`, { key: merchant.apiKey });
    await settledAffiliate(merchant, created.id);
    expect((await promotionCodesOn(merchant, created.couponCode)).every((promo) => !promo.active)).toBe(true);
    expect(await couponsOn(merchant)).toHaveLength(3);
  });

  it('leaves a merchant without a connected account alone, with nothing to resync', async () => {
    const merchant = await createMerchant();
    const response = await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { autoSyncCoupons: true } });
    expect(response.status).toBe(200);
    expect(response.body.resyncJob).toBeUndefined();
    const affiliate = await createAffiliate(merchant, { couponCode: code(), discount: fifteenOnce });
    expect(affiliate.couponSync.test.status).toBe('pending');
  });
});
