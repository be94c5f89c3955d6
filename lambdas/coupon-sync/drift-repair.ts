import { logger } from '../core/logger';
import { get as getMerchant } from '../merchants/merchant';
import { keys } from '../store/keys';
import { queryPage } from '../store/query';
import { connectedModes } from './accounts';
import * as Jobs from './job';

/** A job younger than this that is still running is left to finish instead of starting another. */
const runningJobHours = 6;

export interface DriftRepairRun {
  merchants: number;
  started: number;
  skipped: number;
  failed: number;
}

/**
 * The scheduled drift repair: a bulk resync for every merchant with auto-sync on, in each mode it
 * has connected. It catches what no event announced (a coupon of an adopted code deleted, a
 * webhook lost for good, a sync that could not be queued). One merchant's failure does not stop
 * the others; the run then fails, so its alarm fires and EventBridge tries again (merchants whose
 * job is running are skipped then).
 */
export const startDriftRepair = async (): Promise<DriftRepairRun> => {
  const run: DriftRepairRun = { merchants: 0, started: 0, skipped: 0, failed: 0 };
  let cursor: string | undefined;
  do {
    const page = await queryPage<{ id: string }>({ key: keys.autoSyncMerchants(), index: 'gsi1' }, { limit: 100, cursor });
    for (const { id } of page.data) {
      run.merchants += 1;
      try {
        const merchant = await getMerchant(id);
        const modes = connectedModes(merchant);
        const last = await Jobs.latest(id);
        const busy = last?.status === 'running' && Date.now() - Date.parse(last.startedAt) < runningJobHours * 3_600_000;
        if (!merchant.settings.autoSyncCoupons || modes.length === 0 || busy) run.skipped += 1;
        else {
          await Jobs.start(merchant, modes, 'schedule');
          run.started += 1;
        }
      } catch (error) {
        run.failed += 1;
        logger.error('Could not start the drift repair of a merchant', { merchantId: id, error: error as Error });
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  logger.info('Coupon drift repair', { ...run });
  if (run.failed > 0) throw new Error(`The drift repair could not start for ${run.failed} merchants`);
  return run;
};
