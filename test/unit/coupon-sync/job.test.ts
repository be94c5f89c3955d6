import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { get, type JobRoot, summarize } from '../../../lambdas/coupon-sync/job';
import { NotFoundError } from '../../../lambdas/core/errors';

process.env.TALLY_TABLE_NAME = 'tally-test';

const root = (overrides: Partial<JobRoot> = {}): JobRoot => ({
  jobId: 'resync_1',
  merchantId: 'mer_1',
  modes: ['live', 'test'],
  trigger: 'manual',
  startedAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:05.000Z',
  affiliatesUpTo: 'aff_z',
  fanOut: { live: { done: true, after: 'aff_9' }, test: { done: true, after: 'aff_9' } },
  total: 10,
  unchanged: 4,
  ...overrides,
});

describe("a coupon resync job's figures", () => {
  const shards = [
    { jobId: 'resync_1', updatedAt: '2030-01-01T00:00:09.000Z', synced: 3, conflicts: 1 },
    { jobId: 'resync_1', updatedAt: '2030-01-01T00:00:07.000Z', synced: 1, failed: 1 },
  ];

  it("add the fan-out's counts to its workers' shards, and finish when every affiliate is counted", () => {
    expect(summarize(root(), shards)).toEqual({
      id: 'resync_1',
      modes: ['live', 'test'],
      trigger: 'manual',
      status: 'completed',
      total: 10,
      synced: 4,
      unchanged: 4,
      failed: 1,
      conflicts: 1,
      notApplicable: 0,
      startedAt: '2030-01-01T00:00:00.000Z',
      finishedAt: '2030-01-01T00:00:09.000Z',
    });
  });

  it('stay running while an affiliate is not counted yet', () => {
    const job = summarize(root(), shards.slice(1));
    expect(job.status).toBe('running');
    expect(job).not.toHaveProperty('finishedAt');
  });

  it('stay running while the fan-out of any mode is still walking, even if all it queued is counted', () => {
    const walking = root({ fanOut: { live: { done: true }, test: { done: false, after: 'aff_5' } } });
    expect(summarize(walking, shards).status).toBe('running');
  });

  it('start at zero', () => {
    expect(summarize(root({ total: 0, unchanged: undefined, fanOut: { live: { done: false }, test: { done: false } } }), [])).toMatchObject({
      status: 'running',
      total: 0,
      synced: 0,
      unchanged: 0,
    });
  });
});

describe('reading a coupon resync job', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterEach(() => dynamo.reset());

  const stored = (jobId: string, synced: number) => [
    { pk: 'MERCHANT#mer_1', sk: `RESYNCJOB#${jobId}`, type: 'couponResyncJob', ...root({ jobId, total: 1, unchanged: 0 }) },
    { pk: 'MERCHANT#mer_1', sk: `RESYNCJOB#${jobId}#COUNT#3`, type: 'couponResyncShard', jobId, updatedAt: '2030-01-01T00:00:09.000Z', synced },
  ];

  it('answers 404 for an ID that only begins another job\'s ID', async () => {
    dynamo.on(QueryCommand).resolves({ Items: stored('resync_12', 1) });
    await expect(get('mer_1', 'resync_1')).rejects.toBeInstanceOf(NotFoundError);
  });

  it("counts only the job's own shards, not those of a job whose ID begins with its own", async () => {
    dynamo.on(QueryCommand).resolves({ Items: [...stored('resync_1', 1), ...stored('resync_12', 1)] });
    expect(await get('mer_1', 'resync_1')).toMatchObject({ id: 'resync_1', total: 1, synced: 1, status: 'completed' });
  });
});
