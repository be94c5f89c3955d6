import * as ImportJob from '../affiliates/import-job';
import { logger } from '../core/logger';
import { keys } from '../store/keys';
import { queryPage } from '../store/query';
import { findRecord, type HistoryJobRecord, markRequeued } from './job';
import { sendSlice } from './queue';

/**
 * A running job that has not moved for this long lost its message (a crash between committing a
 * slice and queueing the next, or a message that went to the DLQ). Longer than the slowest
 * continuation: SQS's longest delay (15 minutes) and a slice's timeout, with room to spare.
 */
export const stalledAfterMs = 30 * 60_000;
/** Re-queues before a job that keeps stalling is failed, so a broken one stops showing as running. */
const maxRequeues = 5;

export interface SweepRun {
  stalled: number;
  requeued: number;
  failed: number;
}

/** Re-queues the next slice of every history job (and affiliate import chunk) that stalled; one that keeps stalling is failed. */
export const sweepHistoryJobs = async (now = new Date()): Promise<SweepRun> => {
  const run: SweepRun = { stalled: 0, requeued: 0, failed: 0 };
  const cutoff = new Date(now.getTime() - stalledAfterMs).toISOString();
  let cursor: string | undefined;
  do {
    const page = await queryPage<HistoryJobRecord>({ key: { ...keys.runningHistoryJobs(), skTo: cutoff }, index: 'gsi1' }, { limit: 100, cursor });
    for (const entry of page.data) {
      if (ImportJob.isAffiliateImportJobId(entry.jobId)) {
        if (entry.updatedAt >= cutoff) continue;
        run.stalled += 1;
        const outcome = await ImportJob.requeueStalled(entry.merchantId, entry.jobId, entry.updatedAt, now, maxRequeues);
        if (outcome !== 'moved') run[outcome === 'requeued' ? 'requeued' : 'failed'] += 1;
        continue;
      }
      const record = await findRecord(entry.merchantId, entry.jobId);
      if (record?.status !== 'running' || record.updatedAt >= cutoff) continue;
      run.stalled += 1;
      const outcome = await markRequeued(record, now, maxRequeues);
      if (outcome === 'requeued') {
        await sendSlice({ kind: 'slice', merchantId: record.merchantId, jobId: record.jobId, slice: record.slices, faults: 0 });
        run.requeued += 1;
      } else if (outcome === 'failed') run.failed += 1;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  if (run.stalled > 0) logger.warn('Stalled history jobs', { ...run });
  return run;
};
