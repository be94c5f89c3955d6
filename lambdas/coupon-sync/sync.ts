import { randomUUID } from 'node:crypto';
import * as Affiliates from '../affiliates/affiliate';
import { ConflictError, NotFoundError } from '../core/errors';
import type { Mode } from '../core/mode';
import { get as getMerchant } from '../merchants/merchant';
import { keys } from '../store/keys';
import { Transaction } from '../store/transaction';
import { type AccountScope, connectedAccount } from './accounts';
import * as Intents from './intents';
import * as Jobs from './job';
import {
  alreadyRecorded,
  type AppliedObjects,
  type DesiredCoupon,
  desiredOf,
  type KnownObjects,
  knownOn,
  makesCodeActive,
  outcomeOf,
  planCouponSync,
  type PromotionCodeView,
  type SyncOutcome,
  type SyncPlan,
  syncRecord,
  withoutCoupon,
} from './plan';
import type { SyncMessage } from './queue';
import { applyPlan, CouponGone, listActivePromotionCodes, observeAffiliate, StaleObservation, StripeRejected, type WriteContext } from './stripe-objects';

/** A concurrent change of the affiliate re-runs its sync this often before the message waits in the queue. */
const attempts = 3;
/** Plans made again because Stripe's state turned out other than read, before the message waits. */
const replans = 2;

interface Reconciled {
  plan: SyncPlan;
  applied: AppliedObjects;
  /** Whether a write may have been tried: then the next sync must not reuse this one's idempotency keys. */
  wrote: boolean;
  /** Whether the plan ran to its end, so that what the run made is recorded or retired. */
  complete: boolean;
  /** When the last fresh read of the account began; undefined when the plan came from a job's snapshot. */
  observedAt?: number;
}

/** Where else to look for the affiliate's promotion codes than its code and its recorded one. */
interface Leads {
  /** Codes that syncs noted before making them active (intents.ts). */
  intendedCodes: string[];
  /** What a job's fan-out saw of the affiliate on the account, when the message comes from a job. */
  snapshot?: PromotionCodeView[];
  /** Read the account's active promotion codes for any Tally made for the affiliate (an explicit resync). */
  sweep: boolean;
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
 * missing manual code is decided on a fresh read of the affiliate's objects; so is everything for an
 * affiliate with noted codes, which a sync may have made after the snapshot was read.
 */
const snapshotSuffices = (plan: SyncPlan, known: KnownObjects, leads: Leads): boolean => {
  if (leads.intendedCodes.length > 0 || (plan.status !== 'synced' && plan.status !== 'not_applicable')) return false;
  const firstCreation =
    known.stripePromotionCodeId === undefined && plan.actions.every((action) => action.type === 'create_coupon' || action.type === 'create_promotion_code');
  return plan.actions.length === 0 || firstCreation;
};

const uniqueById = (views: readonly PromotionCodeView[]) => views.filter((view, index) => views.findIndex((other) => other.id === view.id) === index);

/**
 * Observes, plans and applies, planning again (with fresh idempotency keys) when Stripe shows that
 * it changed since it was read. A fresh read covers the affiliate's code, every noted code, the
 * recorded promotion code and the other Tally codes of the affiliate that the job saw (or, for an
 * explicit resync, that the account lists as active), so whatever Tally made is found. A plan that
 * makes a code active notes it first. A refusal from Stripe, of a read or a write, is the
 * affiliate's failed sync; anything transient is thrown, for the message to be retried.
 */
const reconcile = async (
  scope: AccountScope,
  desired: DesiredCoupon,
  known: KnownObjects,
  leads: Leads,
  context: WriteContext,
  writeAhead: (code: string) => Promise<void>,
): Promise<Reconciled> => {
  const goneCoupons: string[] = [];
  const mine = (view: PromotionCodeView) => view.affiliateId === desired.affiliateId;
  let observedAt: number | undefined;
  const observe = async () => {
    observedAt = Date.now();
    const seen = leads.sweep ? [] : (leads.snapshot ?? []).filter(mine).map((view) => view.id);
    const views = await observeAffiliate(scope, { codes: [desired.code, ...leads.intendedCodes], promotionCodeIds: [known.stripePromotionCodeId, ...seen] });
    const swept = leads.sweep ? (await listActivePromotionCodes(scope)).filter(mine) : [];
    return goneCoupons.reduce(withoutCoupon, uniqueById([...views, ...swept]));
  };
  try {
    let observed = leads.snapshot ?? (await observe());
    let plan = planCouponSync(desired, known, observed);
    if (leads.snapshot && !snapshotSuffices(plan, known, leads)) {
      observed = await observe();
      plan = planCouponSync(desired, known, observed);
    }
    for (let replan = 0; ; replan++) {
      try {
        if (desired.code && makesCodeActive(plan)) await writeAhead(desired.code);
        const applied = await applyPlan(scope, plan, { ...context, replan });
        return { plan, applied, wrote: plan.actions.length > 0, complete: true, observedAt };
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
    return { plan: failed(known, `Stripe refused the change: ${error.message}`), applied: {}, wrote: true, complete: false };
  }
};

const notConnected = (mode: Mode, known: KnownObjects): Reconciled => ({
  plan: failed(known, `No Stripe account is connected in ${mode} mode; connect it, then resync.`),
  applied: {},
  wrote: false,
  complete: false,
});

/**
 * Stores the outcome in one transaction: the affiliate's sync record for the account and the notes
 * it settles (only if the version the run last read or wrote is still current) and, for a job, the
 * affiliate's count with its marker. A sync that wrote to Stripe also moves the affiliate's sync
 * generation on.
 */
const record = async (
  message: SyncMessage,
  affiliate: Affiliates.StoredAffiliate,
  scope: AccountScope | undefined,
  run: string,
  result: Reconciled,
): Promise<SyncOutcome> => {
  const { merchantId, mode, jobId } = message;
  const at = new Date().toISOString();
  const outcome = outcomeOf(result.plan);
  const recorded = affiliate.couponSync[mode];
  const accountId = scope?.accountId ?? recorded.stripeAccountId;
  const noted = affiliate.couponSyncIntents?.[mode] ?? [];
  const left = scope ? Intents.remainingIntents(noted, { accountId: scope.accountId, run, complete: result.complete, observedAt: result.observedAt }) : noted;
  const transaction = new Transaction();
  if (result.wrote || left.length !== noted.length || !alreadyRecorded(recorded, result.plan, accountId)) {
    transaction.update(
      {
        Key: keys.affiliate(merchantId, affiliate.id),
        UpdateExpression: 'SET couponSync.#mode = :sync, couponSyncGenerations = :generations, couponSyncIntents = :intents, version = :next',
        ConditionExpression: 'version = :version',
        ExpressionAttributeNames: { '#mode': mode },
        ExpressionAttributeValues: {
          ':sync': syncRecord(result.plan, result.applied, at, accountId),
          ':generations': { ...affiliate.couponSyncGenerations, [mode]: syncGeneration(affiliate, mode) + (result.wrote ? 1 : 0) },
          ':intents': Intents.withIntents(affiliate, mode, left),
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
 * unrecorded attempt by their idempotency keys, a job counts the affiliate once, and a run that
 * loses its race with a change of the affiliate starts again from a fresh read that finds what it
 * made by its notes.
 */
export const syncAffiliate = async (message: SyncMessage): Promise<string> => {
  const { merchantId, mode, affiliateId, jobId } = message;
  const run = randomUUID();
  for (let attempt = 1; ; attempt++) {
    const [stored, counted] = await Promise.all([
      findAffiliate(merchantId, affiliateId),
      jobId ? Jobs.isCounted(jobId, mode, affiliateId) : false,
    ]);
    if (counted) return 'duplicate: the job counted this affiliate already';
    if (!stored) return 'ignored: no such affiliate';

    let affiliate = stored;
    const scope = connectedAccount(await getMerchant(merchantId), mode);
    try {
      let result: Reconciled;
      if (scope) {
        const known = knownOn(affiliate.couponSync[mode], scope.accountId);
        const leads: Leads = {
          intendedCodes: Intents.openIntents(affiliate, mode, scope.accountId).map((intent) => intent.code),
          snapshot: attempt === 1 ? message.observed : undefined,
          sweep: message.sweep ?? false,
        };
        const context: WriteContext = { merchantId, affiliateId, generation: syncGeneration(affiliate, mode) };
        const writeAhead = async (code: string) => {
          affiliate = await Intents.writeAhead(affiliate, mode, { accountId: scope.accountId, code, at: new Date().toISOString(), by: run });
        };
        result = await reconcile(scope, desiredOf(merchantId, affiliate), known, leads, context, writeAhead);
      } else result = notConnected(mode, affiliate.couponSync[mode]);
      return await record(message, affiliate, scope, run, result);
    } catch (error) {
      if (error instanceof Jobs.AlreadyCounted) return 'duplicate: another delivery counted this affiliate meanwhile';
      if (!(error instanceof ConflictError) || attempt >= attempts) throw error;
    }
  }
};
