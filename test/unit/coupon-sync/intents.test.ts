import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { CouponCodeIntent, StoredAffiliate } from '../../../lambdas/affiliates/affiliate';
import { ConflictError } from '../../../lambdas/core/errors';
import { intentLeaseMs, openIntents, remainingIntents, withIntents, writeAhead } from '../../../lambdas/coupon-sync/intents';

process.env.TALLY_TABLE_NAME = 'tally-test';

const now = Date.parse('2030-01-01T12:00:00.000Z');
const intent = (overrides: Partial<CouponCodeIntent> = {}): CouponCodeIntent => ({
  accountId: 'acct_1',
  code: 'ADA-15',
  at: new Date(now - 1_000).toISOString(),
  by: 'run_other',
  ...overrides,
});

const affiliate = (intents?: StoredAffiliate['couponSyncIntents']): StoredAffiliate => ({
  id: 'aff_ada',
  merchantId: 'mer_1',
  version: 7,
  email: 'ada@example.com',
  name: null,
  referralCode: 'ada',
  couponCode: 'ADA-15',
  discount: { percentOff: 15, duration: 'once' },
  commissionPlanId: null,
  status: 'active',
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  couponSync: { live: { status: 'pending' }, test: { status: 'pending' } },
  couponSyncIntents: intents,
});

describe('the codes a sync noted before making them active', () => {
  it("are read for the connected account only", () => {
    const stored = affiliate({ test: [intent(), intent({ accountId: 'acct_0', code: 'OLD' })], live: [intent({ code: 'LIVE' })] });
    expect(openIntents(stored, 'test', 'acct_1')).toEqual([intent()]);
  });

  it("are settled by the run that noted them once its plan ran to the end, and kept while another run's are fresh", () => {
    const mine = intent({ by: 'run_1' });
    const theirs = intent({ code: 'ADA-20' });
    expect(remainingIntents([mine, theirs], { accountId: 'acct_1', run: 'run_1', complete: true, observedAt: now })).toEqual([theirs]);
  });

  it('are all kept when the plan stopped part-way (Stripe refused a write)', () => {
    const mine = intent({ by: 'run_1' });
    expect(remainingIntents([mine], { accountId: 'acct_1', run: 'run_1', complete: false, observedAt: now })).toEqual([mine]);
  });

  it('are settled by any run that read the account after the noting run can no longer be running', () => {
    const stale = intent({ at: new Date(now - intentLeaseMs - 1_000).toISOString() });
    const fresh = intent({ code: 'ADA-20' });
    expect(remainingIntents([stale, fresh], { accountId: 'acct_1', run: 'run_1', complete: true, observedAt: now })).toEqual([fresh]);
    // Planned from a job's snapshot, the run read nothing itself: old notes wait for a run that does.
    expect(remainingIntents([stale], { accountId: 'acct_1', run: 'run_1', complete: true })).toEqual([stale]);
  });

  it("about another account are dropped: Tally no longer acts on it", () => {
    expect(remainingIntents([intent({ accountId: 'acct_0' })], { accountId: 'acct_1', run: 'run_1', complete: false })).toEqual([]);
  });

  it("are stored per mode, a mode without notes having no entry", () => {
    const stored = affiliate({ test: [intent()], live: [intent({ code: 'LIVE' })] });
    expect(withIntents(stored, 'test', [])).toEqual({ live: [intent({ code: 'LIVE' })] });
    expect(withIntents(affiliate(), 'test', [intent()])).toEqual({ test: [intent()] });
  });
});

describe('writing a code ahead', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterEach(() => dynamo.reset());

  it('stores the note conditional on the version the run planned from, and moves the version on', async () => {
    dynamo.on(UpdateCommand).resolves({});
    const written = await writeAhead(affiliate(), 'test', intent({ by: 'run_1' }));
    expect(written.version).toBe(8);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'MERCHANT#mer_1', sk: 'AFFILIATE#aff_ada' },
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':intents': { test: [intent({ by: 'run_1' })] }, ':next': 8, ':version': 7 },
    });
  });

  it('writes nothing for a code the same run noted already', async () => {
    const noted = affiliate({ test: [intent({ by: 'run_1' })] });
    expect(await writeAhead(noted, 'test', intent({ by: 'run_1', code: 'ada-15' }))).toBe(noted);
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('is a conflict when the affiliate changed since it was read, so the run starts again', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    await expect(writeAhead(affiliate(), 'test', intent())).rejects.toBeInstanceOf(ConflictError);
  });
});
