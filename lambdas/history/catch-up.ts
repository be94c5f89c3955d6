import { logger } from '../core/logger';
import type { Mode } from '../core/mode';
import type { AccountClaim } from '../connect/connection';
import { connectedAccount } from '../coupon-sync/accounts';
import { get as getMerchant } from '../merchants/merchant';
import { keys } from '../store/keys';
import { queryPage } from '../store/query';
import { caughtUpTo, readCatchUp, recordScheduledJob } from './catch-up-cursor';
import { findRecord } from './job';
import { startReplay } from './start';

/** Events are listed again from this long before the cursor: Stripe's list may show an event a little late. */
const overlapMs = 60 * 60_000;
/** A reconnect's catch-up starts this long before the connection ended, for events on their way then. */
const gapMarginMs = 5 * 60_000;
/** A scheduled replay younger than this that is still running is left to finish. */
const runningJobHours = 6;

export interface CatchUpRun {
  accounts: number;
  started: number;
  skipped: number;
  failed: number;
}

const stillRunning = async (merchantId: string, jobId: string | undefined, now: Date): Promise<boolean> => {
  if (!jobId) return false;
  const job = await findRecord(merchantId, jobId);
  return job?.status === 'running' && now.getTime() - Date.parse(job.startedAt) < runningJobHours * 3_600_000;
};

const catchUpAccount = async (claim: AccountClaim, now: Date): Promise<'started' | 'skipped'> => {
  if (connectedAccount(await getMerchant(claim.merchantId), claim.mode)?.accountId !== claim.accountId) return 'skipped';
  const cursor = await readCatchUp(claim.mode, claim.accountId);
  if (cursor?.merchantId === claim.merchantId && (await stillRunning(claim.merchantId, cursor.lastJobId, now))) return 'skipped';
  const since = new Date(Date.parse(caughtUpTo(cursor, claim)) - overlapMs);
  const job = await startReplay(claim.merchantId, claim.mode, since, 'schedule', now);
  await recordScheduledJob(claim.mode, claim.accountId, claim.merchantId, job.id);
  return 'started';
};

/**
 * The daily catch-up: a replay for every connected account, from where its log was last caught up
 * (less an overlap), which recovers what webhooks never delivered. One account's failure does not
 * stop the others; the run then fails, so its alarm fires and the next run tries again. An operator
 * can run it for one merchant now (`merchantId`: the scheduled event's `detail.merchantId`).
 */
export const startDailyCatchUp = async (options: { now?: Date; merchantId?: string } = {}): Promise<CatchUpRun> => {
  const now = options.now ?? new Date();
  const run: CatchUpRun = { accounts: 0, started: 0, skipped: 0, failed: 0 };
  let cursor: string | undefined;
  do {
    const page = await queryPage<AccountClaim>({ key: keys.connectedAccounts(), index: 'gsi1' }, { limit: 100, cursor });
    for (const claim of page.data) {
      if (options.merchantId && claim.merchantId !== options.merchantId) continue;
      run.accounts += 1;
      try {
        run[await catchUpAccount(claim, now)] += 1;
      } catch (error) {
        run.failed += 1;
        logger.error('Could not start the catch-up of an account', { merchantId: claim.merchantId, mode: claim.mode, error: error as Error });
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  logger.info('Stripe events catch-up', { ...run });
  if (run.failed > 0) throw new Error(`The catch-up could not start for ${run.failed} accounts`);
  return run;
};

/**
 * After a reconnection of the same account: the events Stripe sent while the connection was ended
 * were answered `ignored` (and stored nowhere), so they are read again from the account's log.
 * If this cannot start, the connection still stands and the daily catch-up covers the gap.
 */
export const catchUpGap = async (merchantId: string, mode: Mode, disconnectedAt: string): Promise<void> => {
  try {
    const job = await startReplay(merchantId, mode, new Date(Date.parse(disconnectedAt) - gapMarginMs), 'reconnect');
    logger.info('Catching up the events of a connection gap', { merchantId, mode, jobId: job.id, since: job.since });
  } catch (error) {
    logger.error('Could not start the catch-up of a connection gap; the daily catch-up covers it', { merchantId, mode, error: error as Error });
  }
};
