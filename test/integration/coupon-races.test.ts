import { setTimeout as sleep } from 'node:timers/promises';
import { api } from '../support/api';
import {
  type ConnectedTestMerchant,
  deadLetterDepth,
  eventually,
  finishedJob,
  getAffiliate,
  jobsOf,
  lastRequestSeq,
  merchantWithStripe,
  promotionCodesOn,
  resyncQueueDrained,
  startResyncJob,
  writesSince,
} from '../support/coupon-sync';
import { createAffiliate, unique } from '../support/factories';
import { connectedMerchant, emulator, withFault } from '../support/stripe';

jest.setTimeout(240_000);

const fifteenOnce = { percentOff: 15, duration: 'once' };
const code = () => unique('R').toUpperCase();

interface Affiliate {
  id: string;
  couponCode: string | null;
  status: 'active' | 'archived';
}

const patch = async (merchant: ConnectedTestMerchant, affiliateId: string, body: object): Promise<Affiliate> => {
  const response = await api('PATCH', `/v1/affiliates/${affiliateId}`, { key: merchant.apiKey, body });
  expect(response.status).toBe(200);
  return response.body;
};

const archive = async (merchant: ConnectedTestMerchant, affiliateId: string): Promise<Affiliate> => {
  const response = await api('DELETE', `/v1/affiliates/${affiliateId}`, { key: merchant.apiKey });
  expect(response.status).toBe(200);
  return response.body;
};

/**
 * What the account itself holds, read from Stripe (the emulator) and not from Tally: every active
 * affiliate with a code has exactly one active promotion code, with that code, and it is the one
 * Tally records; the others (code removed, archived) have none active.
 */
const expectStripeShows = async (merchant: ConnectedTestMerchant, affiliates: readonly Affiliate[]) => {
  const active = (await promotionCodesOn(merchant)).filter((promo) => promo.active && promo.metadata?.tally_merchant_id === merchant.merchantId);
  const problems: string[] = [];
  for (const affiliate of affiliates) {
    const own = active.filter((promo) => promo.metadata?.tally_affiliate_id === affiliate.id).map((promo) => promo.code);
    const wanted = affiliate.status === 'active' && affiliate.couponCode ? [affiliate.couponCode] : [];
    if (JSON.stringify(own) !== JSON.stringify(wanted)) problems.push(`${affiliate.id}: active ${JSON.stringify(own)}, wanted ${JSON.stringify(wanted)}`);
    const sync = (await getAffiliate(merchant, affiliate.id)).couponSync[merchant.mode];
    const recorded = active.find((promo) => promo.id === sync.stripePromotionCodeId);
    if (wanted.length > 0 && (sync.status !== 'synced' || recorded?.code !== affiliate.couponCode))
      problems.push(`${affiliate.id}: Tally shows ${sync.status} ${sync.stripePromotionCodeId}`);
  }
  expect(problems).toEqual([]);
};

describe('a code changed or removed while its sync runs', () => {
  it('has the sync retire the promotion code it created, and a later resync finds nothing left', async () => {
    const merchant = await merchantWithStripe('test');
    const affiliates: Affiliate[] = await Promise.all(Array.from({ length: 15 }, () => createAffiliate(merchant, { couponCode: code(), discount: fifteenOnce })));

    // Each sync creates its coupon, then waits on Stripe for its promotion code: the merchant changes
    // ten codes and removes five meanwhile.
    const slowPromotionCodes = { latencyMs: 2_500, match: { account: merchant.accountId, method: 'POST', pathPrefix: '/v1/promotion_codes' } };
    const since = await lastRequestSeq();
    const job = await withFault(slowPromotionCodes, async () => {
      const started = await startResyncJob(merchant);
      await eventually(
        async () => (await writesSince(merchant, since)).filter((write) => write.path === '/v1/coupons').length,
        (coupons) => coupons === affiliates.length,
        { what: 'every sync to create its coupon' },
      );
      const moved = await Promise.all(
        affiliates.map((affiliate, index) =>
          patch(merchant, affiliate.id, index < 10 ? { couponCode: code() } : { couponCode: null, discount: null }),
        ),
      );
      affiliates.splice(0, affiliates.length, ...moved);
      return finishedJob(merchant, started.id, 120_000);
    });
    expect(job.total).toBe(15);

    const resync = await finishedJob(merchant, (await startResyncJob(merchant)).id);
    // The job's own syncs retired what they made: the resync finds nothing to change.
    expect(resync).toMatchObject({ total: 15, synced: 0, unchanged: 10, notApplicable: 5, failed: 0 });
    await expectStripeShows(merchant, affiliates);
  });
});

describe('a new Stripe account connected in a mode', () => {
  const syncedMerchant = async (autoSyncCoupons: boolean) => {
    const merchant = await merchantWithStripe('test');
    const affiliates: Affiliate[] = await Promise.all(Array.from({ length: 3 }, () => createAffiliate(merchant, { couponCode: code(), discount: fifteenOnce })));
    await finishedJob(merchant, (await startResyncJob(merchant)).id);
    if (autoSyncCoupons) await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { autoSyncCoupons } });
    await resyncQueueDrained();
    const old = await Promise.all(affiliates.map(async (affiliate) => (await getAffiliate(merchant, affiliate.id)).couponSync.test));
    expect(old.map((sync) => sync.status)).toEqual(['synced', 'synced', 'synced']);
    return { merchant, affiliates, oldPromotionCodes: old.map((sync) => sync.stripePromotionCodeId as string) };
  };

  it('forgets the old account\'s objects, so every coupon waits for a sync on the new account', async () => {
    const { merchant, affiliates, oldPromotionCodes } = await syncedMerchant(false);
    const newAccount = await connectedMerchant(merchant, 'test');
    expect(newAccount).not.toBe(merchant.accountId);

    for (const affiliate of affiliates) {
      const sync = await eventually(
        async () => (await getAffiliate(merchant, affiliate.id)).couponSync.test,
        (current) => current.status !== 'synced',
        { what: `the coupon sync of ${affiliate.id} to be reset` },
      );
      expect(sync.status).toBe('pending');
      expect(oldPromotionCodes).not.toContain(sync.stripePromotionCodeId);
      expect(sync.stripePromotionCodeId).toBeUndefined();
    }
    await resyncQueueDrained();
    expect(await promotionCodesOn({ ...merchant, accountId: newAccount })).toEqual([]);
  });

  it('with auto-sync on, queues a bulk resync that makes every code on the new account', async () => {
    const { merchant, affiliates, oldPromotionCodes } = await syncedMerchant(true);
    const moved: ConnectedTestMerchant = { ...merchant, accountId: await connectedMerchant(merchant, 'test') };

    for (const affiliate of affiliates) {
      const sync = await eventually(
        async () => (await getAffiliate(merchant, affiliate.id)).couponSync.test,
        (current) => current.status === 'synced' && !oldPromotionCodes.includes(current.stripePromotionCodeId),
        { what: `the coupon of ${affiliate.id} on the new account` },
      );
      expect((await promotionCodesOn(moved, affiliate.couponCode!)).map((promo) => [promo.id, promo.active])).toEqual([[sync.stripePromotionCodeId, true]]);
    }
    const connectionJobs = (await jobsOf(merchant.merchantId)).filter((job) => job.trigger === 'connection');
    expect(connectionJobs).toHaveLength(1);
    expect(await finishedJob(merchant, connectionJobs[0]!.jobId)).toMatchObject({ modes: ['test'], total: 3, synced: 3, failed: 0 });
  });
});

describe('codes changed, removed and archived while bulk resyncs run under Stripe faults', () => {
  it('leaves exactly one active promotion code per affiliate with a code in Stripe, and none for the others', async () => {
    const merchant = await merchantWithStripe('test');
    await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { autoSyncCoupons: true } });
    const affiliates: Affiliate[] = await Promise.all(Array.from({ length: 30 }, () => createAffiliate(merchant, { couponCode: code(), discount: fifteenOnce })));
    const update = (index: number, next: Affiliate) => {
      affiliates[index] = next;
    };
    // Changes land at random moments of the resyncs: changed codes (some twice), removed codes,
    // archived affiliates, a restored one.
    const changes = async () => {
      for (let round = 0; round < 3; round++) {
        await sleep(300 + round * 400);
        await Promise.all([
          ...[0, 1, 2, 3, 4, 5].map(async (index) => update(index, await patch(merchant, affiliates[index]!.id, { couponCode: code() }))),
          ...(round === 0 ? [6, 7, 8, 9].map(async (index) => update(index, await patch(merchant, affiliates[index]!.id, { couponCode: null, discount: null }))) : []),
          ...(round === 1 ? [10, 11, 12, 13].map(async (index) => update(index, await archive(merchant, affiliates[index]!.id))) : []),
          ...(round === 2 ? [update(10, await patch(merchant, affiliates[10]!.id, { status: 'active' }))] : []),
          ...(round === 2 ? [14, 15].map(async (index) => update(index, await patch(merchant, affiliates[index]!.id, { couponCode: code(), discount: { percentOff: 20, duration: 'forever' } }))) : []),
        ]);
      }
    };
    const faults = { share429: 0.1, share500: 0.1, latencyMs: 40, seed: 23, match: { account: merchant.accountId } };
    await withFault(faults, async () => {
      const jobs = [startResyncJob(merchant)];
      const changing = changes();
      for (let round = 0; round < 2; round++) {
        await sleep(700);
        jobs.push(startResyncJob(merchant));
      }
      await changing;
      for (const job of await Promise.all(jobs)) await finishedJob(merchant, job.id, 180_000);
      await resyncQueueDrained(180_000);
    });
    expect(await emulator().requests({ account: merchant.accountId, faulted: 'any' })).not.toHaveLength(0);
    await expectStripeShows(merchant, affiliates);
    expect(await deadLetterDepth()).toBe(0);
  });
});
