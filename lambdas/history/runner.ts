import { readMessage } from '../core/messages';
import Stripe from 'stripe';
import { runImportChunk } from '../affiliates/import-job';
import { logger } from '../core/logger';
import { connectedAccount } from '../coupon-sync/accounts';
import { get as getMerchant } from '../merchants/merchant';
import { applyItems, isFault } from './apply';
import { recordCatchUp } from './catch-up-cursor';
import { commitSlice, findRecord, type HistoryJobRecord, importPhases, noCounts, type SliceEnd, SliceAlreadyCounted } from './job';
import { type HistoryMessage, historyMessageSchema, sendSlice } from './queue';
import { readPage } from './sources';

/** Slices in a row that Stripe stopped before the job gives up (about an hour and a half of waits). */
export const maxFaults = 8;
/** Time a slice leaves itself to commit and queue its continuation. */
const reserveMs = 15_000;

/** Stripe no longer lets the platform read the account: the connection has ended. */
const lostAccess = (error: unknown) =>
  error instanceof Stripe.errors.StripePermissionError || error instanceof Stripe.errors.StripeAuthenticationError;

const stillConnected = async (record: HistoryJobRecord): Promise<boolean> => {
  return connectedAccount(await getMerchant(record.merchantId), record.mode)?.accountId === record.accountId;
};

const failed = (error: string): SliceEnd => ({ counts: noCounts(), finished: { status: 'failed', error } });
const connectionEnded = failed('The Stripe connection ended while the job ran; it goes on after a reconnect only if started again.');

/** Where the job goes after a page whose `done` items were applied: on in the page, on to the next, or finished. */
const afterPage = (record: HistoryJobRecord, page: Awaited<ReturnType<typeof readPage>>, done: number): Pick<SliceEnd, 'cursor' | 'phase' | 'finished'> => {
  const cursor = page.items[done - 1]?.id ?? record.cursor;
  if (done < page.items.length || page.hasMore) return { cursor, phase: record.phase };
  if (record.kind === 'import') {
    const next = importPhases[importPhases.indexOf(record.phase ?? 'invoices') + 1];
    if (next) return { phase: next };
  }
  return { finished: { status: 'completed' } };
};

/** One slice: one page read and applied as far as time allows, counted and moved past in one update. */
const runSlice = async (record: HistoryJobRecord, faults: number, deadline: number): Promise<{ end: SliceEnd; faulted: boolean }> => {
  if (!(await stillConnected(record))) return { end: connectionEnded, faulted: false };
  let page;
  try {
    page = await readPage(record, new Date());
  } catch (error) {
    if (lostAccess(error)) return { end: connectionEnded, faulted: false };
    if (!isFault(error)) throw error;
    logger.warn('Stripe did not answer a history job; it waits and tries again', { reason: (error as Error).message, faults });
    return { end: faults + 1 >= maxFaults ? failed(`Stripe did not answer: ${(error as Error).message}`) : { counts: noCounts(), cursor: record.cursor, phase: record.phase }, faulted: true };
  }
  const outcome = await applyItems(page.items, record.mode, deadline);
  const faulted = outcome.fault !== undefined && outcome.done === 0;
  if (faulted && faults + 1 >= maxFaults) return { end: failed(`Stripe did not answer: ${outcome.fault as string}`), faulted };
  return { end: { counts: outcome.counts, ...afterPage(record, page, outcome.done) }, faulted };
};

/**
 * A history-queue message: an affiliate import's chunk goes to its job (affiliates/import-job.ts).
 * A stale slice (its slice was counted, or the job is over) does nothing;
 * otherwise the slice is committed, and the job's next slice queued unless it finished. A message
 * that cannot be read is a bug no retry fixes: thrown, it reaches the DLQ after its retries.
 */
export const handleHistoryMessage = async (body: string, remainingMs: () => number): Promise<string> => {
  const message: HistoryMessage = readMessage(body, historyMessageSchema, 'history job');
  if (message.kind === 'affiliateImport') return runImportChunk(message);
  const record = await findRecord(message.merchantId, message.jobId);
  if (record?.status !== 'running' || record.slices !== message.slice) return 'stale';
  logger.appendKeys({ merchantId: record.merchantId, jobId: record.jobId });

  const { end, faulted } = await runSlice(record, message.faults, Date.now() + Math.max(0, remainingMs() - reserveMs));
  let committed: HistoryJobRecord;
  try {
    committed = await commitSlice(record, message.slice, end, new Date());
  } catch (error) {
    if (error instanceof SliceAlreadyCounted) return 'stale';
    throw error;
  }
  if (committed.status === 'running') {
    await sendSlice({ kind: 'slice', merchantId: record.merchantId, jobId: record.jobId, slice: committed.slices, faults: faulted ? message.faults + 1 : 0 });
  } else {
    if (committed.kind === 'replay' && committed.status === 'completed') await recordCatchUp(committed);
    logger.info('History job finished', { kind: committed.kind, status: committed.status, listed: committed.listed, processed: committed.processed, duplicates: committed.duplicates, failed: committed.failed });
  }
  return committed.status;
};
