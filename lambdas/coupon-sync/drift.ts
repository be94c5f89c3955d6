import type { CouponSync, StoredAffiliate } from '../affiliates/affiliate';
import { ConflictError } from '../core/errors';
import type { Merchant } from '../merchants/merchant';
import { keys } from '../store/keys';
import type { EventContext } from '../webhooks/types';
import { queueSync } from './triggers';

/** A change made in the Stripe dashboard to an object an affiliate's code depends on. */
export interface Drift {
  /** The affiliate the object belongs to, if any. */
  affiliateId: string | undefined;
  /** Whether the object is the one the affiliate's sync recorded in the event's mode. */
  concerns: (sync: CouponSync) => boolean;
  reason: string;
}

/**
 * Marks the affiliate out of sync (`pending`, with the reason) in the event's transaction, and,
 * with auto-sync on, queues its resync. Only a change to the object the affiliate's in-sync record
 * points at counts: a code Tally itself retired, or one already waiting for a sync, is not drift.
 * The affiliate and the merchant's settings come in the intake's one read; the message is queued
 * before the intake commits, and if the commit then fails, the extra sync finds nothing to do.
 */
export const markOutOfSync = async (context: EventContext, drift: Drift): Promise<string> => {
  if (!drift.affiliateId) return "ignored: not an affiliate's code";
  const affiliateKey = keys.affiliate(context.merchantId, drift.affiliateId);
  const merchantKey = keys.merchant(context.merchantId);
  const found = await context.read([affiliateKey, merchantKey]);
  const affiliate = found.get<StoredAffiliate>(affiliateKey);
  if (!affiliate) return 'ignored: not an affiliate of this merchant';
  const sync = affiliate.couponSync[context.mode];
  if (affiliate.status !== 'active' || !affiliate.couponCode || !drift.concerns(sync))
    return "ignored: not the affiliate's current code";
  if (sync.status !== 'synced') return `ignored: the affiliate's sync is ${sync.status} already`;

  context.transaction.update(
    {
      Key: affiliateKey,
      UpdateExpression: 'SET couponSync.#mode.#status = :pending, couponSync.#mode.#error = :reason, version = :next',
      ConditionExpression: 'version = :version',
      ExpressionAttributeNames: { '#mode': context.mode, '#status': 'status', '#error': 'error' },
      ExpressionAttributeValues: { ':pending': 'pending', ':reason': drift.reason, ':next': affiliate.version + 1, ':version': affiliate.version },
    },
    () => new ConflictError('affiliate.concurrent_update', 'The affiliate changed while the event was applied.'),
  );
  if (!found.get<Pick<Merchant, 'settings'>>(merchantKey)?.settings.autoSyncCoupons) return 'affiliate marked out of sync';
  await queueSync(context.merchantId, affiliate.id, [context.mode]);
  return 'affiliate marked out of sync; resync queued';
};
