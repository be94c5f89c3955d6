import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { disconnect } from '../../../lambdas/connect/connection';
import { ConflictError } from '../../../lambdas/core/errors';
import * as Merchants from '../../../lambdas/merchants/merchant';
import * as StripeClient from '../../../lambdas/stripe/client';

jest.mock('../../../lambdas/merchants/merchant', () => ({ get: jest.fn() }));
jest.mock('../../../lambdas/stripe/client', () => ({ stripeFor: jest.fn(), connectClientId: jest.fn() }));

process.env.TALLY_TABLE_NAME = 'tally-test';

const connection = { accountId: 'acct_1', status: 'connected' as const, connectedAt: '2030-01-01T00:00:00.000Z' };
const merchant = (test: Merchants.StripeConnection | null): Merchants.Merchant => ({
  id: 'mer_1',
  name: 'Shop',
  dashboardUrl: null,
  trackingKey: 'tally_pk_x',
  settings: { autoSyncCoupons: false, subscriptionTracking: 'per_transaction', cookieWindowDays: 90, holdDays: 30, defaultCommissionPlanId: null, siteUrl: null },
  stripe: { live: null, test },
  createdAt: '2030-01-01T00:00:00.000Z',
});
/** The profile's condition (still connected to this account) failed: something ended it first. */
const profileNoLongerConnected = () =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] });

describe('disconnect', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const deauthorize = jest.fn();
  beforeEach(() => {
    deauthorize.mockResolvedValue({ stripe_user_id: 'acct_1' });
    jest.mocked(StripeClient.stripeFor).mockResolvedValue({ oauth: { deauthorize } } as never);
    jest.mocked(StripeClient.connectClientId).mockResolvedValue('ca_test');
    dynamo.on(TransactWriteCommand).rejects(profileNoLongerConnected());
  });
  afterEach(() => {
    dynamo.reset();
    jest.mocked(Merchants.get).mockReset();
  });

  it("answers with the ended connection when the deauthorization's webhook ended it first", async () => {
    const ended = { ...connection, status: 'disconnected' as const, disconnectedAt: '2030-01-02T00:00:00.000Z' };
    jest.mocked(Merchants.get).mockResolvedValueOnce(merchant(connection)).mockResolvedValue(merchant(ended));
    const result = await disconnect('mer_1', 'test');
    expect(deauthorize).toHaveBeenCalledWith({ client_id: 'ca_test', stripe_user_id: 'acct_1' });
    expect(result.stripe.test).toEqual(ended);
  });

  it('still refuses when the connection was replaced by another one meanwhile', async () => {
    const replaced = { accountId: 'acct_2', status: 'connected' as const, connectedAt: '2030-01-02T00:00:00.000Z' };
    jest.mocked(Merchants.get).mockResolvedValueOnce(merchant(connection)).mockResolvedValue(merchant(replaced));
    await expect(disconnect('mer_1', 'test')).rejects.toBeInstanceOf(ConflictError);
  });
});
