import { type JobRoot, summarize } from '../../../lambdas/coupon-sync/job';

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
