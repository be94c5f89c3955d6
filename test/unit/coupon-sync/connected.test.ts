import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { StoredAffiliate } from '../../../lambdas/affiliates/affiliate';
import { resetForAccount } from '../../../lambdas/coupon-sync/connected';
import * as Jobs from '../../../lambdas/coupon-sync/job';
import type * as Queue from '../../../lambdas/coupon-sync/queue';
import * as Merchants from '../../../lambdas/merchants/merchant';

jest.mock('../../../lambdas/coupon-sync/job', () => ({ ...jest.requireActual('../../../lambdas/coupon-sync/job'), start: jest.fn() }));
jest.mock('../../../lambdas/merchants/merchant', () => ({ get: jest.fn() }));

process.env.TALLY_TABLE_NAME = 'tally-test';

const message: Queue.ConnectedMessage = {
  kind: 'connected',
  merchantId: 'mer_1',
  mode: 'test',
  accountId: 'acct_new',
  resync: true,
  affiliatesUpTo: 'aff_9',
  jobId: 'resync_1',
};

const merchant = (accountId: string) =>
  ({ id: 'mer_1', settings: { autoSyncCoupons: true }, stripe: { live: null, test: { accountId, status: 'connected', connectedAt: '2030-01-01T00:00:00.000Z' } } }) as Merchants.Merchant;

const affiliate = (id: string, couponCode: string | null, test: StoredAffiliate['couponSync']['test']): StoredAffiliate => ({
  id,
  merchantId: 'mer_1',
  version: 4,
  email: `${id}@example.com`,
  name: null,
  referralCode: id,
  couponCode,
  discount: couponCode ? { percentOff: 10, duration: 'once' } : null,
  commissionPlanId: null,
  status: 'active',
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  couponSync: { live: { status: 'pending' }, test },
});

describe('the reset after a new Stripe account is connected', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  beforeEach(() => {
    jest.mocked(Merchants.get).mockResolvedValue(merchant('acct_new'));
    jest.mocked(Jobs.start).mockResolvedValue({ id: 'resync_1' } as Jobs.CouponResyncJob);
    dynamo.on(UpdateCommand).resolves({});
  });
  afterEach(() => {
    dynamo.reset();
    jest.clearAllMocks();
  });

  it("resets every record of another account's objects, then starts the bulk resync it was queued with", async () => {
    const old = affiliate('aff_1', 'ADA', { status: 'synced', stripeAccountId: 'acct_old', stripeCouponId: 'cpn_1', stripePromotionCodeId: 'promo_1' });
    const codeRemoved = affiliate('aff_2', null, { status: 'not_applicable', stripeAccountId: 'acct_old', stripePromotionCodeId: 'promo_2' });
    const current = affiliate('aff_3', 'BOB', { status: 'synced', stripeAccountId: 'acct_new', stripePromotionCodeId: 'promo_3' });
    const neverSynced = affiliate('aff_4', 'CAT', { status: 'pending' });
    dynamo.on(QueryCommand).resolves({ Items: [old, codeRemoved, current, neverSynced] });

    expect(await resetForAccount(message, () => 60_000)).toBe('2 records reset; resync job resync_1 started');
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'MERCHANT#mer_1', sk: 'AFFILIATE#aff_1' },
      ExpressionAttributeValues: { ':fresh': { status: 'pending', stripeAccountId: 'acct_new' }, ':intents': {}, ':next': 5, ':version': 4 },
    });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'MERCHANT#mer_1', sk: 'AFFILIATE#aff_2' },
      ExpressionAttributeValues: expect.objectContaining({ ':fresh': { status: 'not_applicable', stripeAccountId: 'acct_new' } }),
    });
    expect(Jobs.start).toHaveBeenCalledWith(merchant('acct_new'), ['test'], 'connection', 'resync_1');
  });

  it('starts no resync when auto-sync was off, and stops when another account was connected since', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    expect(await resetForAccount({ ...message, resync: false }, () => 60_000)).toBe('0 records reset');
    jest.mocked(Merchants.get).mockResolvedValue(merchant('acct_newer'));
    expect(await resetForAccount(message, () => 60_000)).toBe('ignored: the account is no longer connected in this mode');
    expect(Jobs.start).not.toHaveBeenCalled();
  });
});
