import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { StoredAffiliate } from '../../../lambdas/affiliates/affiliate';
import { fanOut } from '../../../lambdas/coupon-sync/fan-out';
import * as Jobs from '../../../lambdas/coupon-sync/job';
import type { PromotionCodeView } from '../../../lambdas/coupon-sync/plan';
import * as Queue from '../../../lambdas/coupon-sync/queue';
import * as StripeObjects from '../../../lambdas/coupon-sync/stripe-objects';
import * as Merchants from '../../../lambdas/merchants/merchant';

jest.mock('../../../lambdas/coupon-sync/queue', () => ({ ...jest.requireActual('../../../lambdas/coupon-sync/queue'), sendAll: jest.fn() }));
jest.mock('../../../lambdas/coupon-sync/job', () => ({
  ...jest.requireActual('../../../lambdas/coupon-sync/job'),
  root: jest.fn(),
  recordFanOutPage: jest.fn(),
}));
jest.mock('../../../lambdas/coupon-sync/stripe-objects', () => ({
  ...jest.requireActual('../../../lambdas/coupon-sync/stripe-objects'),
  listActivePromotionCodes: jest.fn(),
}));
jest.mock('../../../lambdas/merchants/merchant', () => ({ get: jest.fn() }));

process.env.TALLY_TABLE_NAME = 'tally-test';

const sendAll = jest.mocked(Queue.sendAll);
const recordFanOutPage = jest.mocked(Jobs.recordFanOutPage);
const listActivePromotionCodes = jest.mocked(StripeObjects.listActivePromotionCodes);

const message: Queue.FanOutMessage = { kind: 'fanOut', merchantId: 'mer_1', mode: 'test', jobId: 'resync_1' };
const job: Jobs.JobRoot = {
  jobId: 'resync_1',
  merchantId: 'mer_1',
  modes: ['test'],
  trigger: 'manual',
  startedAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  affiliatesUpTo: 'aff_9',
  fanOut: { test: { done: false } },
  total: 0,
};

const affiliate = (id: string, couponSync: StoredAffiliate['couponSync']['test']): StoredAffiliate => ({
  id,
  merchantId: 'mer_1',
  version: 1,
  email: `${id}@example.com`,
  name: null,
  referralCode: id,
  couponCode: id.toUpperCase(),
  discount: { percentOff: 10, duration: 'once' },
  commissionPlanId: null,
  status: 'active',
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  couponSync: { live: { status: 'pending' }, test: couponSync },
});

const promo = (id: string, code: string, affiliateId: string): PromotionCodeView => ({
  id,
  code,
  active: true,
  couponId: `cpn_${affiliateId}`,
  coupon: { id: `cpn_${affiliateId}`, valid: true, percentOff: 10, amountOff: null, currency: null, duration: 'once', durationInMonths: null },
  affiliateId,
  merchantId: 'mer_1',
});

describe("a resync job's fan-out", () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const inSync = affiliate('aff_1', { status: 'synced', stripeAccountId: 'acct_1', stripeCouponId: 'cpn_aff_1', stripePromotionCodeId: 'promo_1' });
  const pending = affiliate('aff_2', { status: 'pending' });
  const fresh = affiliate('aff_3', { status: 'pending' });

  beforeEach(() => {
    jest.mocked(Jobs.root).mockResolvedValue(job);
    jest.mocked(Merchants.get).mockResolvedValue({
      id: 'mer_1',
      stripe: { live: null, test: { accountId: 'acct_1', status: 'connected', connectedAt: '2030-01-01T00:00:00.000Z' } },
    } as Merchants.Merchant);
    listActivePromotionCodes.mockResolvedValue([promo('promo_1', 'AFF_1', 'aff_1'), promo('promo_2', 'AFF_2', 'aff_2')]);
    sendAll.mockResolvedValue();
    recordFanOutPage.mockResolvedValue();
  });
  afterEach(() => {
    dynamo.reset();
    jest.clearAllMocks();
  });

  it("counts the affiliates Stripe already shows as recorded, and queues the rest with what Stripe showed for them", async () => {
    dynamo.on(QueryCommand).resolvesOnce({ Items: [inSync, pending, fresh] });
    expect(await fanOut(message, () => 60_000)).toBe('fanned out: 2 affiliates queued');

    expect(sendAll).toHaveBeenCalledWith([
      { kind: 'sync', merchantId: 'mer_1', mode: 'test', affiliateId: 'aff_2', jobId: 'resync_1', observed: [promo('promo_2', 'AFF_2', 'aff_2')] },
      { kind: 'sync', merchantId: 'mer_1', mode: 'test', affiliateId: 'aff_3', jobId: 'resync_1', observed: [] },
    ]);
    expect(recordFanOutPage).toHaveBeenCalledWith(job, 'test', {
      after: undefined,
      last: 'aff_3',
      done: true,
      size: 3,
      counted: [{ affiliateId: 'aff_1', outcome: 'unchanged' }],
    });
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      ExpressionAttributeValues: { ':pk': 'MERCHANT#mer_1', ':from': 'AFFILIATE#', ':to': 'AFFILIATE#aff_9' },
      ExclusiveStartKey: undefined,
    });
  });

  it('queues an affiliate with a Tally code beside its current one, with a noted code, or recorded on another account', async () => {
    const stray = promo('promo_old', 'OLD-CODE', 'aff_1');
    listActivePromotionCodes.mockResolvedValue([promo('promo_1', 'AFF_1', 'aff_1'), stray]);
    const noted: StoredAffiliate = { ...inSync, id: 'aff_4', couponSyncIntents: { test: [{ accountId: 'acct_1', code: 'AFF_4', at: '2030-01-01T00:00:00.000Z', by: 'run_1' }] } };
    const moved: StoredAffiliate = { ...inSync, id: 'aff_5', couponSync: { ...inSync.couponSync, test: { ...inSync.couponSync.test, stripeAccountId: 'acct_0' } } };
    dynamo.on(QueryCommand).resolvesOnce({ Items: [inSync, noted, moved] });

    expect(await fanOut(message, () => 60_000)).toBe('fanned out: 3 affiliates queued');
    expect(sendAll).toHaveBeenCalledWith([
      expect.objectContaining({ affiliateId: 'aff_1', observed: [promo('promo_1', 'AFF_1', 'aff_1'), stray] }),
      expect.objectContaining({ affiliateId: 'aff_4' }),
      expect.objectContaining({ affiliateId: 'aff_5' }),
    ]);
    expect(recordFanOutPage).toHaveBeenCalledWith(job, 'test', expect.objectContaining({ size: 3, counted: [] }));
  });

  it('records each page and continues in a new message when its invocation runs short of time', async () => {
    dynamo.on(QueryCommand).resolvesOnce({ Items: [inSync], LastEvaluatedKey: { pk: 'MERCHANT#mer_1', sk: 'AFFILIATE#aff_1' } });
    expect(await fanOut(message, () => 5_000)).toMatch(/^continues in a new message/);
    expect(recordFanOutPage).toHaveBeenCalledWith(job, 'test', expect.objectContaining({ after: undefined, last: 'aff_1', done: false }));
    expect(sendAll).toHaveBeenLastCalledWith([message]);
  });

  it('resumes after the last page it recorded', async () => {
    jest.mocked(Jobs.root).mockResolvedValue({ ...job, fanOut: { test: { done: false, after: 'aff_1' } } });
    dynamo.on(QueryCommand).resolvesOnce({ Items: [pending] });
    await fanOut(message, () => 60_000);
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { ExclusiveStartKey: { pk: 'MERCHANT#mer_1', sk: 'AFFILIATE#aff_1' } });
    expect(recordFanOutPage).toHaveBeenCalledWith(expect.anything(), 'test', expect.objectContaining({ after: 'aff_1', last: 'aff_2', done: true }));
  });

  it('stops when another run of the same fan-out recorded the page first', async () => {
    dynamo.on(QueryCommand).resolvesOnce({ Items: [pending], LastEvaluatedKey: { pk: 'MERCHANT#mer_1', sk: 'AFFILIATE#aff_2' } });
    recordFanOutPage.mockRejectedValueOnce(new Jobs.FanOutOvertaken());
    expect(await fanOut(message, () => 60_000)).toBe('stopped: another run of this fan-out is ahead');
    expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, 1);
  });

  it('does nothing for a fan-out that is done, and finishes at once in a mode without a connected account', async () => {
    jest.mocked(Jobs.root).mockResolvedValueOnce({ ...job, fanOut: { test: { done: true } } });
    expect(await fanOut(message, () => 60_000)).toBe('duplicate: this fan-out is done');

    jest.mocked(Merchants.get).mockResolvedValueOnce({ id: 'mer_1', stripe: { live: null, test: null } } as Merchants.Merchant);
    expect(await fanOut(message, () => 60_000)).toBe('skipped: Stripe is not connected in this mode');
    expect(recordFanOutPage).toHaveBeenCalledWith(job, 'test', { after: undefined, done: true, size: 0, counted: [] });
    expect(listActivePromotionCodes).not.toHaveBeenCalled();
  });
});
