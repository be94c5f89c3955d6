import { keys } from '../store/keys';
import { queryPage } from '../store/query';
import { queueCorrection } from './jobs';

/** A correction queued this recently is still in flight; only older ones are queued again. */
const graceMs = 5 * 60_000;
const pageSize = 100;

interface PendingCustomer {
  merchantId: string;
  mode: 'live' | 'test';
  bookId: string;
}

/**
 * Queues again every correction that has been pending a while: one whose message was lost after
 * its transaction committed, or whose job gave up. Corrections are idempotent, so one that was
 * only slow is merely looked at twice.
 */
export const sweepCorrections = async (now = new Date()): Promise<number> => {
  const cutoff = new Date(now.getTime() - graceMs).toISOString();
  let queued = 0;
  let cursor: string | null = null;
  do {
    const page: { data: PendingCustomer[]; nextCursor: string | null } = await queryPage<PendingCustomer>(
      { key: { ...keys.ledgerCorrectionsPending(), skTo: `${cutoff}~` }, index: 'gsi3' },
      { limit: pageSize, ...(cursor ? { cursor } : {}) },
    );
    for (const { merchantId, mode, bookId } of page.data) await queueCorrection({ merchantId, mode, bookId });
    queued += page.data.length;
    cursor = page.nextCursor;
  } while (cursor);
  return queued;
};
