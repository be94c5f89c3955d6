import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { sendAffiliateImportChunk, sendSlice } from '../../../lambdas/history/queue';
import { stalledAfterMs, sweepHistoryJobs } from '../../../lambdas/history/sweep';

jest.mock('../../../lambdas/history/queue', () => ({ ...jest.requireActual('../../../lambdas/history/queue'), sendSlice: jest.fn(), sendAffiliateImportChunk: jest.fn() }));

process.env.TALLY_TABLE_NAME = 'tally-test';

const now = new Date('2026-12-08T12:00:00.000Z');
const stalledAt = new Date(now.getTime() - stalledAfterMs - 60_000).toISOString();
const replay = { jobId: 'rpl_1', merchantId: 'mer_1', kind: 'replay', status: 'running', slices: 4, requeues: 0, updatedAt: stalledAt };
const affiliates = { jobId: 'aimp_1', merchantId: 'mer_1', kind: 'affiliates', status: 'running', chunksDone: 2, chunks: 5, requeues: 0, updatedAt: stalledAt };

describe('the sweep of stalled history jobs', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  beforeEach(() => {
    dynamo.reset();
    jest.clearAllMocks();
    dynamo.on(QueryCommand).resolves({ Items: [replay, affiliates] });
    dynamo.on(GetCommand).resolves({ Item: affiliates });
    dynamo.on(GetCommand, { Key: { pk: 'MERCHANT#mer_1', sk: 'HISTORYJOB#rpl_1' } }).resolves({ Item: replay });
    dynamo.on(UpdateCommand).resolves({});
  });

  it('queues again the slice or chunk a stalled job waits at, counted as a re-queue', async () => {
    expect(await sweepHistoryJobs(now)).toEqual({ stalled: 2, requeued: 2, failed: 0 });
    expect(sendSlice).toHaveBeenCalledWith({ kind: 'slice', merchantId: 'mer_1', jobId: 'rpl_1', slice: 4, faults: 0 });
    expect(sendAffiliateImportChunk).toHaveBeenCalledWith({ kind: 'affiliateImport', merchantId: 'mer_1', jobId: 'aimp_1', chunk: 3 });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { ConditionExpression: '#status = :running AND updatedAt = :seen', ExpressionAttributeValues: expect.objectContaining({ ':seen': stalledAt }) });
  });

  it('leaves a job that moved meanwhile alone', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    expect(await sweepHistoryJobs(now)).toEqual({ stalled: 2, requeued: 0, failed: 0 });
    expect(sendSlice).not.toHaveBeenCalled();
    expect(sendAffiliateImportChunk).not.toHaveBeenCalled();
  });

  it('fails a job that stalled five times instead of queueing it forever', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...affiliates, requeues: 5 } });
    dynamo.on(GetCommand, { Key: { pk: 'MERCHANT#mer_1', sk: 'HISTORYJOB#rpl_1' } }).resolves({ Item: { ...replay, requeues: 5 } });
    expect(await sweepHistoryJobs(now)).toEqual({ stalled: 2, requeued: 0, failed: 2 });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':failed': 'failed' }) });
    expect(sendAffiliateImportChunk).not.toHaveBeenCalled();
  });
});
