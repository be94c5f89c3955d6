import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as Affiliates from '../affiliates/affiliate';
import { ConflictError } from '../core/errors';
import { newId } from '../core/ids';
import { logger } from '../core/logger';
import type { Mode } from '../core/mode';
import { get as getMerchant, type Merchant } from '../merchants/merchant';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import { connectedAccount } from './accounts';
import { affiliatesAfter } from './fan-out';
import * as Intents from './intents';
import * as Jobs from './job';
import * as Queue from './queue';

/**
 * A Stripe account connected in a mode. The affiliates' sync records of that mode name objects of
 * the account connected before (or none): each is reset — `pending` for an affiliate with a code,
 * `not_applicable` without, no Stripe IDs, no noted codes, stamped with the new account — and, with
 * auto-sync on, a bulk resync then makes every code on the new account.
 */

/** Time kept back from the invocation to finish a page and queue the continuation. */
const reserveMs = 15_000;
const resetAttempts = 3;

/**
 * Queues the reset walk after a connection (a new account, or the same one again, whose records
 * stay as they are), and the bulk resync after it if auto-sync is on (`resync`). A queue failure is
 * logged, not thrown: the connection is stored, the sync never acts on another account's IDs
 * (plan.ts `knownOn`), and any bulk resync — with auto-sync on, the daily drift repair — brings
 * every affiliate over to the new account.
 */
export const afterConnection = async (merchant: Merchant, mode: Mode, accountId: string): Promise<void> => {
  try {
    const resync = merchant.settings.autoSyncCoupons;
    await Queue.sendAll([{ kind: 'connected', merchantId: merchant.id, mode, accountId, resync, affiliatesUpTo: newId('aff'), jobId: newId('resync') }]);
  } catch (error) {
    logger.error('Could not queue the coupon sync reset of a new connection', { merchantId: merchant.id, mode, error: error as Error });
  }
};

/** Resets one affiliate's record for the account, unless it is of this account already or has nothing to reset. */
const resetAffiliate = async (mode: Mode, accountId: string, read: Affiliates.StoredAffiliate): Promise<boolean> => {
  let affiliate = read;
  for (let attempt = 1; ; attempt++) {
    const recorded = affiliate.couponSync[mode];
    if (recorded.stripeAccountId === accountId) return false;
    const fresh: Affiliates.CouponSync = { status: affiliate.couponCode ? 'pending' : 'not_applicable', stripeAccountId: accountId };
    const noted = affiliate.couponSyncIntents?.[mode] ?? [];
    const untouched = !recorded.stripeCouponId && !recorded.stripePromotionCodeId && !recorded.error && recorded.status === fresh.status;
    if (untouched && noted.length === 0) return false;
    try {
      await db().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: keys.affiliate(affiliate.merchantId, affiliate.id),
          UpdateExpression: 'SET couponSync.#mode = :fresh, couponSyncIntents = :intents, version = :next',
          ConditionExpression: 'version = :version',
          ExpressionAttributeNames: { '#mode': mode },
          ExpressionAttributeValues: {
            ':fresh': fresh,
            ':intents': Intents.withIntents(affiliate, mode, []),
            ':next': affiliate.version + 1,
            ':version': affiliate.version,
          },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (attempt >= resetAttempts) throw new ConflictError('affiliate.concurrent_update', 'The affiliate kept changing while its coupon sync was reset.');
      affiliate = await Affiliates.getStored(affiliate.merchantId, affiliate.id);
    }
  }
};

/**
 * The reset walk, page by page; it continues in a new message when its invocation runs short of
 * time, and a rerun finds the records it reset already stamped with the account. A walk for an
 * account that is no longer the connected one stops: the newer connection has its own walk.
 */
export const resetForAccount = async (message: Queue.ConnectedMessage, remainingMs: () => number): Promise<string> => {
  const { merchantId, mode, accountId } = message;
  const merchant = await getMerchant(merchantId);
  if (connectedAccount(merchant, mode)?.accountId !== accountId) return 'ignored: the account is no longer connected in this mode';

  let after = message.after;
  let reset = 0;
  for (;;) {
    const page = await affiliatesAfter(merchantId, message.affiliatesUpTo, after);
    const results = await Promise.all(page.affiliates.map((affiliate) => resetAffiliate(mode, accountId, affiliate)));
    reset += results.filter(Boolean).length;
    if (page.last) break;
    after = page.affiliates.at(-1)?.id;
    if (remainingMs() < reserveMs) {
      await Queue.sendAll([{ ...message, after }]);
      return `continues in a new message after ${reset} records reset`;
    }
  }
  if (!message.resync) return `${reset} records reset`;
  const job = await Jobs.start(merchant, [mode], 'connection', message.jobId);
  return `${reset} records reset; resync job ${job.id} started`;
};
