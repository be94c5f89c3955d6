import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ValidationError } from '../../../lambdas/core/errors';
import { logger } from '../../../lambdas/core/logger';
import * as CouponResyncJobs from '../../../lambdas/coupon-sync/job';
import { defaultSettings, updateSettings } from '../../../lambdas/merchants/merchant';
import { keys } from '../../../lambdas/store/keys';

jest.mock('../../../lambdas/coupon-sync/job', () => ({ start: jest.fn() }));

process.env.TALLY_TABLE_NAME = 'tally-test';

const dynamo = mockClient(DynamoDBDocumentClient);
const start = jest.mocked(CouponResyncJobs.start);
const job = { id: 'resync_1', trigger: 'settings' } as CouponResyncJobs.CouponResyncJob;

const connected = { accountId: 'acct_1', status: 'connected', connectedAt: '2030-01-01T00:00:00.000Z' };
const profile = (autoSyncCoupons: boolean) => ({
  Item: { ...keys.merchant('mer_1'), id: 'mer_1', name: 'Shop', settings: { ...defaultSettings, autoSyncCoupons }, stripe: { live: null, test: connected } },
});
/** A transaction whose item at `index` failed its condition. */
const conditionFailed = (index: number) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: [0, 1].map((i) => ({ Code: i === index ? 'ConditionalCheckFailed' : 'None' })),
  });
const transactions = () => dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems!);

describe('updateSettings', () => {
  beforeEach(() => {
    dynamo.reset();
    start.mockReset().mockResolvedValue(job);
    dynamo.on(GetCommand).resolves(profile(true));
    dynamo.on(TransactWriteCommand).resolves({});
  });

  it('refuses an unknown default plan before starting any resync', async () => {
    dynamo.on(TransactWriteCommand).rejects(conditionFailed(1));
    await expect(updateSettings('mer_1', { autoSyncCoupons: true, defaultCommissionPlanId: 'plan_x' })).rejects.toBeInstanceOf(ValidationError);
    expect(start).not.toHaveBeenCalled();
  });

  it('starts a resync in the connected modes when its write turned auto-sync from off to on', async () => {
    const result = await updateSettings('mer_1', { autoSyncCoupons: true });
    const [update] = transactions()[0]!;
    expect(update!.Update!.ConditionExpression).toContain('#settings.#autoSyncCoupons = :off');
    expect(start).toHaveBeenCalledTimes(1);
    expect(start).toHaveBeenCalledWith(expect.objectContaining({ id: 'mer_1' }), ['test'], 'settings');
    expect(result).toEqual({ settings: { ...defaultSettings, autoSyncCoupons: true }, resyncJob: job });
  });

  it('starts none when auto-sync was already on (another request turned it on first)', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(conditionFailed(0)).resolves({});
    const result = await updateSettings('mer_1', { autoSyncCoupons: true, holdDays: 7 });
    expect(transactions()).toHaveLength(2);
    expect(transactions()[1]![0]!.Update!.ConditionExpression).toBe('attribute_exists(pk)');
    expect(start).not.toHaveBeenCalled();
    expect(result.resyncJob).toBeUndefined();
  });

  it('starts none for a patch that does not turn auto-sync on', async () => {
    await updateSettings('mer_1', { holdDays: 7 });
    expect(transactions()[0]![0]!.Update!.ConditionExpression).toBe('attribute_exists(pk)');
    expect(start).not.toHaveBeenCalled();
  });

  it('turns auto-sync back off when its resync cannot start, so trying again starts one', async () => {
    start.mockRejectedValue(new Error('SQS is down'));
    dynamo.on(UpdateCommand).resolves({});
    await expect(updateSettings('mer_1', { autoSyncCoupons: true })).rejects.toThrow('SQS is down');
    expect(dynamo).toReceiveCommandWith(UpdateCommand, {
      Key: keys.merchant('mer_1'),
      ConditionExpression: '#settings.#autoSyncCoupons = :on',
      ExpressionAttributeValues: { ':off': false, ':on': true },
    });
  });

  it('leaves auto-sync alone when another request turned it off meanwhile', async () => {
    start.mockRejectedValue(new Error('SQS is down'));
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    const logged = jest.spyOn(logger, 'error');
    await expect(updateSettings('mer_1', { autoSyncCoupons: true })).rejects.toThrow('SQS is down');
    expect(logged).not.toHaveBeenCalled();
  });
});
