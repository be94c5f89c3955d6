import { logger } from '../core/logger';
import type { Mode } from '../core/mode';
import { get as getMerchant } from '../merchants/merchant';
import { connectedModes } from './accounts';
import * as Queue from './queue';

/** Queues one affiliate's sync in the given modes; `sweep` for an explicit resync (Queue.SyncMessage). */
export const queueSync = (merchantId: string, affiliateId: string, modes: readonly Mode[], options: { sweep?: boolean } = {}): Promise<void> =>
  Queue.sendAll(modes.map((mode) => ({ kind: 'sync', merchantId, mode, affiliateId, ...(options.sweep ? { sweep: true } : {}) })));

/**
 * With auto-sync on, a new code, a changed code or discount, and an archived or restored affiliate
 * are made true in Stripe at once, in every connected mode. The change itself is stored already
 * and shows `pending`, so a queue failure is logged rather than failing the merchant's request:
 * the scheduled drift repair picks up every affiliate that is not in sync.
 */
export const afterAffiliateChange = async (merchantId: string, affiliateId: string): Promise<void> => {
  try {
    const merchant = await getMerchant(merchantId);
    if (merchant.settings.autoSyncCoupons) await queueSync(merchantId, affiliateId, connectedModes(merchant));
  } catch (error) {
    logger.error('Could not queue an automatic coupon sync', { merchantId, affiliateId, error: error as Error });
  }
};
