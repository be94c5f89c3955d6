import type { FaultRuleInput } from '../../bin/stripe-emulator/config';
import { api } from '../support/api';
import {
  type ConnectedTestMerchant,
  couponsOn,
  deadLetterDepth,
  finishedJob,
  getAffiliate,
  jobsOf,
  lastRequestSeq,
  merchantWithStripe,
  promotionCodeByHand,
  promotionCodesOn,
  redeliver,
  resyncQueueDrained,
  settledAffiliate,
  startResyncJob,
  writesSince,
} from '../support/coupon-sync';
import { createAffiliate, createMerchant, type TestMerchant, unique } from '../support/factories';
import { emulator, withFault } from '../support/stripe';

jest.setTimeout(180_000);

const fifteenOnce = { percentOff: 15, duration: 'once' };
const code = () => unique('B').toUpperCase();

const createMany = (merchant: TestMerchant, count: number, overrides: () => Record<string, unknown> = () => ({ couponCode: code(), discount: fifteenOnce })) =>
  Promise.all(Array.from({ length: count }, () => createAffiliate(merchant, overrides())));

/** Runs `body` with an extra fault rule on the merchant's account. */
const withFaults = <T>(merchant: ConnectedTestMerchant, rule: FaultRuleInput, body: () => Promise<T>) =>
  withFault({ ...rule, match: { account: merchant.accountId, ...rule.match } }, body);

/**
 * Each affiliate has exactly one active promotion code on the account, with its code, and one
 * coupon; Tally made no other object (`inactiveEach`: retired codes each affiliate should have).
 */
const expectInSync = async (merchant: ConnectedTestMerchant, affiliates: { id: string; couponCode: string }[], inactiveEach = 0) => {
  const ours = (object: { metadata: Record<string, string> | null }) => object.metadata?.tally_merchant_id === merchant.merchantId;
  const promos = (await promotionCodesOn(merchant)).filter(ours);
  const coupons = (await couponsOn(merchant)).filter(ours);
  for (const affiliate of affiliates) {
    const own = promos.filter((promo) => promo.metadata?.tally_affiliate_id === affiliate.id);
    expect(own.filter((promo) => promo.active)).toEqual([expect.objectContaining({ code: affiliate.couponCode })]);
    expect(own.filter((promo) => !promo.active)).toHaveLength(inactiveEach);
    expect(coupons.filter((coupon) => coupon.metadata?.tally_affiliate_id === affiliate.id)).toHaveLength(1);
  }
  expect(promos).toHaveLength(affiliates.length * (1 + inactiveEach));
  expect(coupons).toHaveLength(affiliates.length);
};

describe('a bulk resync', () => {
  it('syncs every affiliate through the queue and counts each outcome once', async () => {
    const merchant = await merchantWithStripe('test');
    const withCodes = await createMany(merchant, 12);
    await createMany(merchant, 3, () => ({}));
    const taken = code();
    await promotionCodeByHand(merchant, taken);
    await createAffiliate(merchant, { couponCode: taken, discount: fifteenOnce });
    await createAffiliate(merchant, { couponCode: code() });

    const started = await startResyncJob(merchant);
    expect(started).toMatchObject({ modes: ['test'], trigger: 'manual', status: 'running', startedAt: expect.any(String) });
    const job = await finishedJob(merchant, started.id);
    expect(job).toMatchObject({ total: 17, synced: 12, unchanged: 0, notApplicable: 3, conflicts: 1, failed: 1, finishedAt: expect.any(String) });
    expect(Date.parse(job.finishedAt)).toBeGreaterThanOrEqual(Date.parse(job.startedAt));
    for (const affiliate of withCodes) expect((await getAffiliate(merchant, affiliate.id)).couponSync.test.status).toBe('synced');
    await expectInSync(merchant, withCodes);
  });

  it('costs one list call per hundred codes, and no writes, when nothing changed', async () => {
    const merchant = await merchantWithStripe('test');
    await createMany(merchant, 120);
    await finishedJob(merchant, (await startResyncJob(merchant)).id);

    const since = await lastRequestSeq();
    const job = await finishedJob(merchant, (await startResyncJob(merchant)).id);
    expect(job).toMatchObject({ total: 120, unchanged: 120, synced: 0 });
    const calls = await emulator().requests({ account: merchant.accountId, sinceSeq: since });
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual(['GET /v1/promotion_codes', 'GET /v1/promotion_codes']);
  });

  it('counts every affiliate once when its messages and the fan-out are delivered again', async () => {
    const merchant = await merchantWithStripe('test');
    const affiliates = await createMany(merchant, 6);
    const job = await finishedJob(merchant, (await startResyncJob(merchant)).id);
    expect(job).toMatchObject({ total: 6, synced: 6 });

    const since = await lastRequestSeq();
    await redeliver({ kind: 'fanOut', merchantId: merchant.merchantId, mode: 'test', jobId: job.id });
    for (const affiliate of affiliates)
      await redeliver({ kind: 'sync', merchantId: merchant.merchantId, mode: 'test', affiliateId: affiliate.id, jobId: job.id });
    await resyncQueueDrained();

    expect((await api('GET', `/v1/coupon-resync/${job.id}`, { key: merchant.apiKey })).body).toEqual(job);
    expect(await writesSince(merchant, since)).toEqual([]);
  });

  it('answers 404 for another merchant\'s job and 409 for a mode without a connected account', async () => {
    const merchant = await merchantWithStripe('test');
    const job = await startResyncJob(merchant);
    const stranger = await createMerchant();
    expect((await api('GET', `/v1/coupon-resync/${job.id}`, { key: stranger.apiKey })).status).toBe(404);
    const live = await api('POST', '/v1/coupon-resync', { key: merchant.apiKey, query: { mode: 'live' } });
    expect(live.status).toBe(409);
    expect(live.body.error.type).toBe('coupon_sync.not_connected');
  });
});

describe('a bulk resync under Stripe faults', () => {
  it('ends with every affiliate synced and nothing duplicated when a fifth of the calls get 429 or 500', async () => {
    const merchant = await merchantWithStripe('test');
    const affiliates = await createMany(merchant, 40);
    const job = await withFaults(merchant, { share429: 0.1, share500: 0.1, seed: 7 }, async () =>
      finishedJob(merchant, (await startResyncJob(merchant)).id, 150_000),
    );
    expect(job).toMatchObject({ total: 40, synced: 40, failed: 0 });
    expect(await emulator().requests({ account: merchant.accountId, faulted: 'any' })).not.toHaveLength(0);
    await expectInSync(merchant, affiliates);
    expect(await deadLetterDepth()).toBe(0);
  });

  it('replays a write whose answer was lost, after it took effect or with a dropped connection', async () => {
    const merchant = await merchantWithStripe('test');
    const affiliates = await createMany(merchant, 8);
    const since = await lastRequestSeq();
    const lostAnswers = { share500: 0.3, shareTimeout: 0.3, afterCommit: true, timeout: { mode: 'drop' as const }, seed: 11, match: { method: 'POST' } };
    const job = await withFaults(merchant, lostAnswers, async () => finishedJob(merchant, (await startResyncJob(merchant)).id, 120_000));
    expect(job).toMatchObject({ total: 8, synced: 8, failed: 0 });
    const writes = await writesSince(merchant, since);
    expect(writes.filter((write) => write.faulted)).not.toHaveLength(0);
    expect(writes.filter((write) => write.replayed)).not.toHaveLength(0);
    await expectInSync(merchant, affiliates);
  });

  it('loses and duplicates nothing when workers die after writing to Stripe and before recording it', async () => {
    const merchant = await merchantWithStripe('test');
    const before = await createMany(merchant, 8);
    await finishedJob(merchant, (await startResyncJob(merchant)).id);
    const moved = await Promise.all(
      before.map(async (affiliate) => (await api('PATCH', `/v1/affiliates/${affiliate.id}`, { key: merchant.apiKey, body: { couponCode: code() } })).body),
    );
    const since = await lastRequestSeq();
    // Each worker creates the new promotion code, then fails three times to retire the old one and
    // gives up mid-batch: every message goes back to the queue, and its redelivery must carry on
    // from where the failed attempt stopped.
    const crash = { share500: 1, maxFaults: 3 * moved.length, match: { method: 'POST', pathPrefix: '/v1/promotion_codes/' } };
    const job = await withFaults(merchant, crash, async () => finishedJob(merchant, (await startResyncJob(merchant)).id, 120_000));
    expect(job).toMatchObject({ total: 8, synced: 8, failed: 0 });
    const writes = await writesSince(merchant, since);
    // A worker gave up on a code after three failures, and a later delivery retired it.
    const retirements = new Map<string, typeof writes>();
    for (const write of writes.filter((each) => each.path.startsWith('/v1/promotion_codes/')))
      retirements.set(write.path, [...(retirements.get(write.path) ?? []), write]);
    const redelivered = [...retirements.values()].filter((attempts) => attempts.slice(0, 3).every((write) => write.faulted) && attempts.at(-1)?.status === 200);
    expect(redelivered).not.toHaveLength(0);
    const created = writes.filter((write) => write.path === '/v1/promotion_codes' && write.status === 200 && !write.replayed);
    expect(created).toHaveLength(moved.length);
    await expectInSync(merchant, moved, 1);
    expect(await deadLetterDepth()).toBe(0);
  });
});

describe('the scheduled drift repair', () => {
  const fireSchedule = async () => {
    const fired = await api('POST', '/_local/schedules/coupon-drift-repair');
    expect(fired.status).toBe(200);
    return fired.body.result;
  };

  it('resyncs every merchant with auto-sync on, retiring a Tally code no event told of, and leaves the others alone', async () => {
    const merchant = await merchantWithStripe('test');
    await finishedJob(merchant, (await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { autoSyncCoupons: true } })).body.resyncJob.id);
    const affiliates = await createMany(merchant, 3);
    for (const affiliate of affiliates) await settledAffiliate(merchant, affiliate.id);
    // An active promotion code that names the first affiliate but is not its code, with no event
    // about it (left behind by an earlier version of Tally, say): only reading the account finds it.
    const recorded = (await getAffiliate(merchant, affiliates[0]!.id)).couponSync.test;
    const [stray] = await emulator().seed<{ id: string }>(
      merchant.accountId,
      'promotion_codes',
      [{ promotion: { type: 'coupon', coupon: recorded.stripeCouponId }, code: code(), metadata: { tally_affiliate_id: affiliates[0]!.id, tally_merchant_id: merchant.merchantId } }],
      { mode: 'test' },
    );
    const manual = await merchantWithStripe('test');
    const untouched = await createAffiliate(manual, { couponCode: code(), discount: fifteenOnce });

    expect((await fireSchedule()).started).toBeGreaterThanOrEqual(1);
    const [job] = (await jobsOf(merchant.merchantId)).filter((each) => each.trigger === 'schedule');
    expect(await finishedJob(merchant, job!.jobId)).toMatchObject({ modes: ['test'], total: 3, synced: 1, unchanged: 2 });
    const active = (await promotionCodesOn(merchant)).filter((promo) => promo.active);
    expect(active.map((promo) => promo.id)).not.toContain(stray!.id);
    for (const affiliate of affiliates)
      expect(active.filter((promo) => promo.metadata?.tally_affiliate_id === affiliate.id).map((promo) => promo.code)).toEqual([affiliate.couponCode]);
    expect(await jobsOf(manual.merchantId)).toEqual([]);
    expect((await getAffiliate(manual, untouched.id)).couponSync.test.status).toBe('pending');
  });

  it('does not start a second resync for a merchant whose resync is still running', async () => {
    const merchant = await merchantWithStripe('test');
    await createMany(merchant, 2);
    // Stripe refuses every list call for a while, so the job's fan-out keeps waiting in the queue.
    await withFaults(merchant, { share429: 1, match: { method: 'GET' } }, async () => {
      await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { autoSyncCoupons: true } });
      await fireSchedule();
      expect(await jobsOf(merchant.merchantId)).toEqual([expect.objectContaining({ trigger: 'settings' })]);
    });
    const [job] = await jobsOf(merchant.merchantId);
    expect(await finishedJob(merchant, job!.jobId, 90_000)).toMatchObject({ total: 2, synced: 2 });
  });
});
