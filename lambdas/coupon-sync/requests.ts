import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as Affiliates from '../affiliates/affiliate';
import { ConflictError, NotFoundError } from '../core/errors';
import type { Mode } from '../core/mode';
import { get as getMerchant, type Merchant } from '../merchants/merchant';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import { connectedAccount } from './accounts';
import * as Jobs from './job';
import { queueSync } from './triggers';

/** A sync acts on the merchant's connected account: without one in the mode there is nothing to act on. */
const requireConnected = (merchant: Merchant, mode: Mode) => {
  if (!connectedAccount(merchant, mode))
    throw new ConflictError('coupon_sync.not_connected', `No Stripe account is connected in ${mode} mode; connect one before syncing coupons.`);
};

/** `POST /v1/coupon-resync`: every affiliate of the merchant, in one mode. */
export const startResync = async (merchantId: string, mode: Mode): Promise<Jobs.CouponResyncJob> => {
  const merchant = await getMerchant(merchantId);
  requireConnected(merchant, mode);
  return Jobs.start(merchant, [mode], 'manual');
};

/**
 * `POST /v1/affiliates/{id}/resync`: the affiliate shows `pending` in the mode until its queued sync
 * is done. The version moves on, so a sync already running for it records nothing stale. The sync
 * also reads the account's active promotion codes, to retire any Tally code of the affiliate that
 * is not its current one, however it came to be there.
 */
export const resyncAffiliate = async (merchantId: string, affiliateId: string, mode: Mode): Promise<Affiliates.Affiliate> => {
  requireConnected(await getMerchant(merchantId), mode);
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.affiliate(merchantId, affiliateId),
        UpdateExpression: 'SET couponSync.#mode.#status = :pending, version = version + :one REMOVE couponSync.#mode.#error',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#mode': mode, '#status': 'status', '#error': 'error' },
        ExpressionAttributeValues: { ':pending': 'pending', ':one': 1 },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new NotFoundError('Affiliate');
    throw error;
  }
  await queueSync(merchantId, affiliateId, [mode], { sweep: true });
  return Affiliates.get(merchantId, affiliateId);
};
