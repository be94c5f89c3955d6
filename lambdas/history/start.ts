import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, ValidationError } from '../core/errors';
import { newId } from '../core/ids';
import type { Mode } from '../core/mode';
import { connectedAccount } from '../coupon-sync/accounts';
import { get as getMerchant } from '../merchants/merchant';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import { create, eventRetentionDays, type HistoryJob, type HistoryTrigger, type NewJob, view } from './job';
import { sendSlice } from './queue';

const dayMs = 86_400_000;

/** The account connected in the mode: a history job reads it with the platform's key. */
const connectedAccountOf = async (merchantId: string, mode: Mode): Promise<string> => {
  const account = connectedAccount(await getMerchant(merchantId), mode);
  if (!account) throw new ConflictError('connection.not_connected', `No Stripe account is connected in ${mode} mode: connect one, then start the job.`);
  return account.accountId;
};

/**
 * Records the job and queues its first slice. If the queue refuses, the record is removed again, so
 * no job shows as running that nothing works on. A job named in advance starts once.
 */
const launch = async (job: NewJob, now: Date): Promise<HistoryJob> => {
  const { record, created } = await create(job, now);
  if (!created) return view(record);
  try {
    await sendSlice({ kind: 'slice', merchantId: job.merchantId, jobId: job.jobId, slice: 0, faults: 0 });
  } catch (error) {
    await db().send(new DeleteCommand({ TableName: tableName(), Key: keys.historyJob(job.merchantId, job.jobId) }));
    throw error;
  }
  return view(record);
};

/** The earliest moment Stripe still has events of, with a minute's margin for the job's first call. */
export const oldestReplayable = (now: Date): Date => new Date(now.getTime() - eventRetentionDays * dayMs + 60_000);

/**
 * A catch-up from the account's event log since `since`. Asked for by the merchant, a `since` older
 * than Stripe keeps events is refused; the reconnect and the daily catch-up start from the oldest
 * event Stripe still has instead.
 */
export const startReplay = async (
  merchantId: string,
  mode: Mode,
  since: Date,
  trigger: HistoryTrigger = 'manual',
  now = new Date(),
  jobId = newId('rpl'),
): Promise<HistoryJob> => {
  if (since.getTime() > now.getTime()) throw new ValidationError('`since` is in the future.', [{ path: ['since'], message: 'must not be later than now' }]);
  const oldest = oldestReplayable(now);
  if (since < oldest) {
    if (trigger === 'manual')
      throw new ValidationError(`Stripe keeps an account's events for ${eventRetentionDays} days: \`since\` must be after ${oldest.toISOString()}. Import older purchases with POST /v1/imports/stripe.`, [
        { path: ['since'], message: `must be within the last ${eventRetentionDays} days` },
      ]);
    since = oldest;
  }
  const accountId = await connectedAccountOf(merchantId, mode);
  return launch({ jobId, kind: 'replay', merchantId, mode, accountId, trigger, since: since.toISOString() }, now);
};

/** An import of the account's paid invoices, payments, refunds and disputes since the start of `sinceDay` (UTC). */
export const startImport = async (merchantId: string, mode: Mode, sinceDay: string, now = new Date()): Promise<HistoryJob> => {
  const since = new Date(`${sinceDay}T00:00:00.000Z`);
  if (since.getTime() > now.getTime()) throw new ValidationError('`since` is in the future.', [{ path: ['since'], message: 'must not be later than today' }]);
  const accountId = await connectedAccountOf(merchantId, mode);
  return launch({ jobId: newId('imp'), kind: 'import', merchantId, mode, accountId, trigger: 'manual', since: since.toISOString() }, now);
};
