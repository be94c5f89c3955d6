import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import Stripe from 'stripe';
import { applyItems } from '../../../lambdas/history/apply';
import type { HistoryJobRecord } from '../../../lambdas/history/job';
import { sendSlice } from '../../../lambdas/history/queue';
import { handleHistoryMessage, maxFaults } from '../../../lambdas/history/runner';
import { readPage } from '../../../lambdas/history/sources';
import { get as getMerchant } from '../../../lambdas/merchants/merchant';

jest.mock('../../../lambdas/history/sources', () => ({ readPage: jest.fn() }));
jest.mock('../../../lambdas/history/apply', () => ({ ...jest.requireActual('../../../lambdas/history/apply'), applyItems: jest.fn() }));
jest.mock('../../../lambdas/history/queue', () => ({ ...jest.requireActual('../../../lambdas/history/queue'), sendSlice: jest.fn() }));
jest.mock('../../../lambdas/history/catch-up-cursor', () => ({ recordCatchUp: jest.fn() }));
jest.mock('../../../lambdas/merchants/merchant', () => ({ get: jest.fn() }));

process.env.TALLY_TABLE_NAME = 'tally-test';

const record: HistoryJobRecord = {
  jobId: 'rpl_1',
  kind: 'replay',
  merchantId: 'mer_1',
  mode: 'test',
  accountId: 'acct_1',
  trigger: 'manual',
  since: '2026-12-01T00:00:00.000Z',
  status: 'running',
  slices: 3,
  cursor: 'evt_older',
  requeues: 0,
  listed: 100,
  processed: 90,
  duplicates: 10,
  ignored: 0,
  failed: 0,
  startedAt: '2026-12-07T00:00:00.000Z',
  updatedAt: '2026-12-07T00:01:00.000Z',
};
const message = (overrides: Record<string, unknown> = {}) => JSON.stringify({ kind: 'slice', merchantId: 'mer_1', jobId: 'rpl_1', slice: 3, faults: 0, ...overrides });
const counts = (overrides: Record<string, number> = {}) => ({ listed: 0, processed: 0, duplicates: 0, ignored: 0, failed: 0, ...overrides });
const items = (...ids: string[]) => ids.map((id) => ({ id, events: [] }));
const remaining = () => 60_000;

describe('a history job slice', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  beforeEach(() => {
    dynamo.reset();
    jest.mocked(getMerchant).mockResolvedValue({ stripe: { test: { accountId: 'acct_1', status: 'connected' } } } as never);
    dynamo.on(GetCommand).resolves({ Item: record });
  });
  afterEach(() => jest.clearAllMocks());

  it('applies a page, adds its counts, moves the cursor past it and queues the next slice', async () => {
    jest.mocked(readPage).mockResolvedValue({ items: items('evt_3', 'evt_2'), hasMore: true });
    jest.mocked(applyItems).mockResolvedValue({ counts: counts({ listed: 2, processed: 2 }), done: 2 });
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...record, slices: 4 } });
    expect(await handleHistoryMessage(message(), remaining)).toBe('running');
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: '#slices = :slice AND #status = :running',
      ExpressionAttributeValues: expect.objectContaining({ ':slice': 3, ':next': 4, ':cursor': 'evt_2', ':listed': 2, ':processed': 2 }),
    });
    expect(sendSlice).toHaveBeenCalledWith({ kind: 'slice', merchantId: 'mer_1', jobId: 'rpl_1', slice: 4, faults: 0 });
  });

  it('finishes the job after the last page and queues nothing more', async () => {
    jest.mocked(readPage).mockResolvedValue({ items: items('evt_1'), hasMore: false });
    jest.mocked(applyItems).mockResolvedValue({ counts: counts({ listed: 1, duplicates: 1 }), done: 1 });
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...record, slices: 4, status: 'completed' } });
    expect(await handleHistoryMessage(message(), remaining)).toBe('completed');
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: expect.stringMatching(/#status = :finished.*REMOVE #cursor, gsi1pk, gsi1sk/),
      ExpressionAttributeValues: expect.objectContaining({ ':finished': 'completed' }),
    });
    expect(sendSlice).not.toHaveBeenCalled();
  });

  it('waits longer after each slice Stripe stops, and fails the job after the last', async () => {
    jest.mocked(readPage).mockRejectedValue(new Stripe.errors.StripeRateLimitError({ message: 'Too many requests' }));
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...record, slices: 4 } });
    expect(await handleHistoryMessage(message({ faults: 2 }), remaining)).toBe('running');
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':cursor': 'evt_older', ':listed': 0 }) });
    expect(sendSlice).toHaveBeenCalledWith(expect.objectContaining({ slice: 4, faults: 3 }));

    dynamo.on(UpdateCommand).resolves({ Attributes: { ...record, slices: 4, status: 'failed' } });
    expect(await handleHistoryMessage(message({ faults: maxFaults - 1 }), remaining)).toBe('failed');
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':finished': 'failed', ':error': expect.stringContaining('Too many requests') }),
    });
  });

  it('fails the job when the connection has ended, without reading Stripe', async () => {
    jest.mocked(getMerchant).mockResolvedValue({ stripe: { test: { accountId: 'acct_1', status: 'disconnected' } } } as never);
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...record, status: 'failed' } });
    expect(await handleHistoryMessage(message(), remaining)).toBe('failed');
    expect(readPage).not.toHaveBeenCalled();
  });

  it('does nothing for a slice already counted, or a job that is over', async () => {
    expect(await handleHistoryMessage(message({ slice: 2 }), remaining)).toBe('stale');
    dynamo.on(GetCommand).resolves({ Item: { ...record, status: 'completed' } });
    expect(await handleHistoryMessage(message(), remaining)).toBe('stale');
    expect(readPage).not.toHaveBeenCalled();

    // Another delivery of the same slice committed while this one ran.
    dynamo.on(GetCommand).resolves({ Item: record });
    jest.mocked(readPage).mockResolvedValue({ items: items('evt_3'), hasMore: true });
    jest.mocked(applyItems).mockResolvedValue({ counts: counts({ listed: 1, duplicates: 1 }), done: 1 });
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    expect(await handleHistoryMessage(message(), remaining)).toBe('stale');
    expect(sendSlice).not.toHaveBeenCalled();
  });

  it('refuses a message that is not one, for the dead-letter queue', async () => {
    await expect(handleHistoryMessage('{"kind":"slice"}', remaining)).rejects.toThrow('Not a history job message.');
  });
});
