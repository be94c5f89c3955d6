import * as Affiliates from '../affiliates/affiliate';
import { ConflictError, NotFoundError } from '../core/errors';
import type { Mode } from '../core/mode';
import { get as getMerchant } from '../merchants/merchant';
import { keys } from '../store/keys';
import { Transaction } from '../store/transaction';
import { type AccountScope, connectedAccount } from './accounts';
import * as Jobs from './job';
import {
  alreadyRecorded,
  type AppliedObjects,
  type DesiredCoupon,
  desiredOf,
  type KnownObjects,
  outcomeOf,
  planCouponSync,
  type PromotionCodeView,
  type SyncOutcome,
  type SyncPlan,
  syncRecord,
  withoutCoupon,
} from './plan';
import type { SyncMessage } from './queue';
import { applyPlan, CouponGone, observeAffiliate, StaleObservation, StripeRejected, type WriteContext } from './stripe-objects';

/** A concurrent change of the affiliate re-runs its sync this often before the message waits in the queue. */
const attempts = 3;
/** Plans made again because Stripe's state turned out other than read, before the message waits. */
const replans = 2;

interface Reconciled {
  plan: SyncPlan;
  applied: AppliedObjects;
  /** Whether a write may have been tried: then the next sync must not reuse this one's idempotency keys. */
  wrote: boolean;
}

const failed = (known: KnownObjects, error: string): SyncPlan => ({
  actions: [],
  status: 'failed',
  error,
  stripeCouponId: known.stripeCouponId,
  stripePromotionCodeId: known.stripePromotionCodeId,
});

/**
 * A job's snapshot may be older than the message. It is trusted for what cannot go wrong with an
 * older view: finding nothing to do, and a first creation (if the code got taken meanwhile, Stripe
 * refuses it and the affiliate is read again). A change to existing objects, a conflict or a
 * missing manual code is decided on a fresh read of the affiliate's objects.
 */
const snapshotSuffices = (plan: SyncPlan, known: KnownObjects): boolean => {
  if (plan.status !== 'synced' && plan.status !== 'not_applicable') return false;
  const firstCreation =
    known.stripePromotionCodeId === undefined && plan.actions.every((action) => action.type === 'create_coupon' || action.type === 'create_promotion_code');
  return plan.actions.length === 0 || firstCreation;
};

/**
 * Observes, plans and applies, planning again (with fresh idempotency keys) when Stripe shows that
 * it changed since it was read. A refusal from Stripe, of a read or a write, is the affiliate's
 * failed sync; anything transient is thrown, for the message to be retried.
 */
const reconcile = async (
  scope: AccountScope,
  desired: DesiredCoupon,
  known: KnownObjects,
  context: WriteContext,
  snapshot: PromotionCodeView[] | undefined,
): Promise<Reconciled> => {
  const goneCoupons: string[] = [];
  const observe = async () => goneCoupons.reduce(withoutCoupon, await observeAffiliate(scope, desired.code, known.stripePromotionCodeId));
  try {
    let observed = snapshot ?? (await observe());
    let plan = planCouponSync(desired, known, observed);
    if (snapshot && !snapshotSuffices(plan, known)) {
      observed = await observe();
      plan = planCouponSync(desired, known, observed);
    }
    for (let replan = 0; ; replan++) {
      try {
        return { plan, applied: await applyPlan(scope, plan, { ...context, replan }), wrote: plan.actions.length > 0 };
      } catch (error) {
        if (!(error instanceof StaleObservation || error instanceof CouponGone) || replan >= replans) throw error;
        if (error instanceof CouponGone) {
          goneCoupons.push(error.couponId);
          observed = withoutCoupon(observed, error.couponId);
        } else observed = await observe();
        plan = planCouponSync(desired, known, observed);
      }
    }
  } catch (error) {
    if (!(error instanceof StripeRejected)) throw error;
    return { plan: failed(known, `Stripe refused the change: ${error.message}`), applied: {}, wrote: true };
  }
};

const notConnected = (mode: Mode, known: KnownObjects): Reconciled => ({
  plan: failed(known, `No Stripe account is connected in ${mode} mode; connect it, then resync.`),
  applied: {},
  wrote: false,
});

/**
 * Stores the outcome in one transaction: the affiliate's sync record (only if the version it was
 * planned from is still current) and, for a job, the affiliate's count with its marker. A sync that
 * wrote to Stripe also moves the affiliate's sync generation on.
 */
const record = async (message: SyncMessage, affiliate: Affiliates.StoredAffiliate, result: Reconciled): Promise<SyncOutcome> => {
  const { merchantId, mode, jobId } = message;
  const at = new Date().toISOString();
  const outcome = outcomeOf(result.plan);
  const transaction = new Transaction();
  if (result.wrote || !alreadyRecorded(affiliate.couponSync[mode], result.plan)) {
    transaction.update(
      {
        Key: keys.affiliate(merchantId, affiliate.id),
        UpdateExpression: 'SET couponSync.#mode = :sync, couponSyncGenerations = :generations, version = :next',
        ConditionExpression: 'version = :version',
        ExpressionAttributeNames: { '#mode': mode },
        ExpressionAttributeValues: {
          ':sync': syncRecord(result.plan, result.applied, at),
          ':generations': { ...affiliate.couponSyncGenerations, [mode]: syncGeneration(affiliate, mode) + (result.wrote ? 1 : 0) },
          ':next': affiliate.version + 1,
          ':version': affiliate.version,
        },
      },
      () => new ConflictError('affiliate.concurrent_update', 'The affiliate changed during its coupon sync.'),
    );
  }
  if (jobId) Jobs.countInto(transaction, { merchantId, jobId, mode, affiliateId: affiliate.id, outcome, at });
  await transaction.commit();
  return outcome;
};

export const syncGeneration = (affiliate: Affiliates.StoredAffiliate, mode: Mode): number => affiliate.couponSyncGenerations?.[mode] ?? 0;

const findAffiliate = (merchantId: string, affiliateId: string) =>
  Affiliates.getStored(merchantId, affiliateId).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });

/**
 * One affiliate's sync in one mode: read what Tally wants and what Stripe has, write the
 * difference, record the outcome. Safe to repeat at any point: Stripe replays the writes of an
 * unrecorded attempt by their idempotency keys, and a job counts the affiliate once.
 */
export const syncAffiliate = async (message: SyncMessage): Promise<string> => {
  const { merchantId, mode, affiliateId, jobId } = message;
  for (let attempt = 1; ; attempt++) {
    const [affiliate, counted] = await Promise.all([
      findAffiliate(merchantId, affiliateId),
      jobId ? Jobs.isCounted(jobId, mode, affiliateId) : false,
    ]);
    if (counted) return 'duplicate: the job counted this affiliate already';
    if (!affiliate) return 'ignored: no such affiliate';

    const known = affiliate.couponSync[mode];
    const scope = connectedAccount(await getMerchant(merchantId), mode);
    const context: WriteContext = { merchantId, affiliateId, generation: syncGeneration(affiliate, mode) };
    const result = scope
      ? await reconcile(scope, desiredOf(merchantId, affiliate), known, context, attempt === 1 ? message.observed : undefined)
      : notConnected(mode, known);
    try {
      return await record(message, affiliate, result);
    } catch (error) {
      if (error instanceof Jobs.AlreadyCounted) return 'duplicate: another delivery counted this affiliate meanwhile';
      if (!(error instanceof ConflictError) || attempt >= attempts) throw error;
    }
  }
};
