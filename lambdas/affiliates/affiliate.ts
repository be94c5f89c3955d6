import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomInt } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors';
import { newId } from '../core/ids';
import { type Mode, modes } from '../core/mode';
import { afterAffiliateChange } from '../coupon-sync/triggers';
import { countStats } from '../stats/counters';
import { batchGet } from '../store/batch';
import { db, tableName } from '../store/db';
import { type CodeKind, keys } from '../store/keys';
import { type Page, type PageRequest, queryPage } from '../store/query';
import { Transaction } from '../store/transaction';
import type { CreateAffiliateInput, Discount, UpdateAffiliateInput } from './schema';

export type CouponSyncStatus = 'pending' | 'synced' | 'failed' | 'conflict' | 'not_applicable';

/** Where an affiliate's coupon code stands in one Stripe mode. */
export interface CouponSync {
  status: CouponSyncStatus;
  /** The connected account the record's Stripe IDs belong to; a newly connected account resets the record. */
  stripeAccountId?: string;
  stripeCouponId?: string;
  stripePromotionCodeId?: string;
  lastSyncedAt?: string;
  error?: string;
}

/**
 * A coupon sync's note, written before it makes a promotion code active in Stripe, that it may have
 * done so (coupon-sync/intents.ts): whatever the sync then loses, its code is found again by `code`.
 */
export interface CouponCodeIntent {
  accountId: string;
  code: string;
  /** When it was written, and by which run of the sync. */
  at: string;
  by: string;
}

export interface Affiliate {
  id: string;
  email: string;
  name: string | null;
  referralCode: string;
  couponCode: string | null;
  discount: Discount | null;
  commissionPlanId: string | null;
  status: 'active' | 'archived';
  createdAt: string;
  updatedAt: string;
  archivedAt?: string;
  couponSync: Record<Mode, CouponSync>;
}

export type StoredAffiliate = Affiliate & {
  merchantId: string;
  version: number;
  /** Outcomes the coupon sync recorded per mode; part of its idempotency keys (coupon-sync/sync.ts). */
  couponSyncGenerations?: Partial<Record<Mode, number>>;
  /** Promotion codes a coupon sync may have made active without recording them yet, per mode. */
  couponSyncIntents?: Partial<Record<Mode, CouponCodeIntent[]>>;
};

const toAffiliate = ({
  id, email, name, referralCode, couponCode, discount, commissionPlanId, status, createdAt, updatedAt, archivedAt, couponSync,
}: StoredAffiliate): Affiliate => ({
  id, email, name, referralCode, couponCode, discount, commissionPlanId, status, createdAt, updatedAt, archivedAt, couponSync,
});

/**
 * After the desired coupon state changes, each mode waits for a sync: there is something to make
 * true in Stripe while the affiliate has a code, or still has a promotion code there to deactivate
 * (one recorded, or one a sync that is still running may have made). The Stripe IDs are kept,
 * because the sync needs them to retire the old code.
 */
export const couponSyncAfterChange = (sync: CouponSync | undefined, couponCode: string | null, intents: readonly CouponCodeIntent[] = []): CouponSync => {
  const pending = couponCode !== null || sync?.stripePromotionCodeId !== undefined || intents.length > 0;
  return { ...sync, status: pending ? 'pending' : 'not_applicable', error: undefined };
};

export const codeTaken: Record<CodeKind, (code: string) => ConflictError> = {
  referral: (code) => new ConflictError('affiliate.referral_code_taken', `The referral code "${code}" is already in use.`),
  coupon: (code) => new ConflictError('affiliate.coupon_code_taken', `The coupon code "${code}" is already in use.`),
  email: () => new ConflictError('affiliate.email_taken', 'Another affiliate already has this e-mail address.'),
};

const claimCode = (transaction: Transaction, merchantId: string, affiliateId: string, kind: CodeKind, code: string) =>
  transaction.put(
    {
      Item: { ...keys.affiliateCode(merchantId, kind, code), type: 'affiliateCode', kind, code, affiliateId },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
    () => codeTaken[kind](code),
  );

const releaseCode = (transaction: Transaction, merchantId: string, affiliateId: string, kind: CodeKind, code: string) =>
  transaction.delete(
    {
      Key: keys.affiliateCode(merchantId, kind, code),
      ConditionExpression: 'affiliateId = :affiliateId',
      ExpressionAttributeValues: { ':affiliateId': affiliateId },
    },
    () => new ConflictError('affiliate.concurrent_update', 'The affiliate changed while this update was made; retry.'),
  );

const requirePlan = (transaction: Transaction, merchantId: string, planId: string) =>
  transaction.check(
    { Key: keys.plan(merchantId, planId), ConditionExpression: 'attribute_exists(pk)' },
    () =>
      new ValidationError('The commission plan does not exist.', [
        { path: ['commissionPlanId'], message: 'no commission plan with this id' },
      ]),
  );

const referralAlphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
const generateReferralCode = () =>
  Array.from({ length: 8 }, () => referralAlphabet[randomInt(referralAlphabet.length)]).join('');

/** A discount is the coupon behind a code; without a code there is nothing to give it to. */
const discountWithoutCode = () =>
  new ValidationError('A discount needs a coupon code.', [{ path: ['discount'], message: 'set couponCode too' }]);

/** What a new affiliate's input must be beyond its schema, checked before anything is written. */
export const checkNew = (input: CreateAffiliateInput): void => {
  if (input.discount && !input.couponCode) throw discountWithoutCode();
};

/** The codes and e-mail a new affiliate claims, the referral code once it is known. */
export const claimsOf = (input: CreateAffiliateInput): [CodeKind, string][] => {
  const claims: [CodeKind, string | undefined][] = [['referral', input.referralCode], ['email', input.email], ['coupon', input.couponCode]];
  return claims.filter((claim): claim is [CodeKind, string] => claim[1] !== undefined);
};

/**
 * Stores a new affiliate in one transaction: its item, its code and e-mail claims, its plan check
 * and its counters, or none of them. It queues no coupon sync: `create` does, and an import queues
 * its rows' syncs together.
 */
export const insert = async (merchantId: string, input: CreateAffiliateInput): Promise<Affiliate> => {
  checkNew(input);
  const now = new Date().toISOString();
  const couponCode = input.couponCode ?? null;
  const affiliate: StoredAffiliate = {
    id: newId('aff'),
    merchantId,
    email: input.email,
    name: input.name ?? null,
    referralCode: input.referralCode ?? generateReferralCode(),
    couponCode,
    discount: input.discount ?? null,
    commissionPlanId: input.commissionPlanId ?? null,
    status: 'active',
    createdAt: now,
    updatedAt: now,
    version: 1,
    couponSync: { live: couponSyncAfterChange(undefined, couponCode), test: couponSyncAfterChange(undefined, couponCode) },
  };

  const transaction = new Transaction().put({
    Item: {
      ...keys.affiliate(merchantId, affiliate.id),
      ...keys.affiliateByStatus(merchantId, affiliate.status, affiliate.id),
      type: 'affiliate',
      ...affiliate,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  });
  for (const [kind, code] of claimsOf({ ...input, referralCode: affiliate.referralCode }))
    claimCode(transaction, merchantId, affiliate.id, kind, code);
  if (affiliate.commissionPlanId) requirePlan(transaction, merchantId, affiliate.commissionPlanId);
  // An affiliate belongs to the program, not to a Stripe mode: it joins both modes' figures.
  for (const mode of modes) countStats(transaction, { merchantId, mode, at: now, newAffiliates: 1 });
  await transaction.commit();
  return toAffiliate(affiliate);
};

export const create = async (merchantId: string, input: CreateAffiliateInput): Promise<Affiliate> => {
  const affiliate = await insert(merchantId, input);
  if (affiliate.couponCode) await afterAffiliateChange(merchantId, affiliate.id);
  return affiliate;
};

export const getStored = async (merchantId: string, affiliateId: string): Promise<StoredAffiliate> => {
  const { Item } = await db().send(
    new GetCommand({ TableName: tableName(), Key: keys.affiliate(merchantId, affiliateId), ConsistentRead: true }),
  );
  if (!Item) throw new NotFoundError('Affiliate');
  return Item as StoredAffiliate;
};

export const get = async (merchantId: string, affiliateId: string): Promise<Affiliate> =>
  toAffiliate(await getStored(merchantId, affiliateId));

/** Several affiliates by ID, in the order asked; an ID that is not this merchant's is left out. */
export const getMany = async (merchantId: string, affiliateIds: readonly string[]): Promise<Affiliate[]> => {
  const found = await batchGet(affiliateIds.map((affiliateId) => keys.affiliate(merchantId, affiliateId)));
  return affiliateIds.flatMap((affiliateId) => {
    const item = found.get<StoredAffiliate>(keys.affiliate(merchantId, affiliateId));
    return item ? [toAffiliate(item)] : [];
  });
};

/**
 * A page of the merchant's affiliates in ID (creation) order. With a status, it reads that status's
 * index partition, so a page costs what it returns however many affiliates have the other status;
 * the index follows a status change within moments, which is all a list needs.
 */
export const list = async (
  merchantId: string,
  page: PageRequest,
  filter: { status?: Affiliate['status'] } = {},
): Promise<Page<Affiliate>> => {
  const items = await queryPage<StoredAffiliate>(
    filter.status ? { key: keys.affiliatesByStatus(merchantId, filter.status), index: 'gsi3' } : { key: keys.affiliates(merchantId) },
    page,
  );
  return { data: items.data.map(toAffiliate), nextCursor: items.nextCursor };
};

const sameCode = (a: string | null, b: string | null) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/** The affiliate's item moved on between the read and the write of an update. */
class StaleAffiliate extends ConflictError {
  constructor() {
    super('affiliate.concurrent_update', 'The affiliate changed while this update was made; retry.');
  }
}

/** The coupon sync moves an affiliate's version as it works; a change is applied afresh a few times first. */
const updateAttempts = 5;

/**
 * Applies a change in one transaction: the affiliate (conditional on the version read), the code
 * claims that moved, and the plan it now points at. Changing what the coupon should be in Stripe
 * (code, discount, archived or not) marks both modes as waiting for a sync. If the affiliate moved
 * on meanwhile (a coupon sync recorded its progress), the change is applied again to a fresh read.
 */
export const update = async (merchantId: string, affiliateId: string, patch: UpdateAffiliateInput): Promise<Affiliate> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await updateOnce(merchantId, affiliateId, patch);
    } catch (error) {
      if (!(error instanceof StaleAffiliate) || attempt >= updateAttempts) throw error;
    }
  }
};

const updateOnce = async (merchantId: string, affiliateId: string, patch: UpdateAffiliateInput): Promise<Affiliate> => {
  const current = await getStored(merchantId, affiliateId);
  const now = new Date().toISOString();
  const next: StoredAffiliate = { ...current, ...patch, version: current.version + 1, updatedAt: now };
  if (next.status === 'archived') next.archivedAt = current.archivedAt ?? now;
  else delete next.archivedAt;
  if (next.discount && !next.couponCode) throw discountWithoutCode();

  const couponChanged =
    current.couponCode !== next.couponCode ||
    JSON.stringify(current.discount) !== JSON.stringify(next.discount) ||
    current.status !== next.status;
  if (couponChanged)
    next.couponSync = {
      live: couponSyncAfterChange(current.couponSync.live, next.couponCode, current.couponSyncIntents?.live),
      test: couponSyncAfterChange(current.couponSync.test, next.couponCode, current.couponSyncIntents?.test),
    };

  const transaction = new Transaction().put(
    {
      // The status index entry moves with the status (the stored one came along in `current`).
      Item: { ...next, ...keys.affiliate(merchantId, affiliateId), ...keys.affiliateByStatus(merchantId, next.status, affiliateId), type: 'affiliate' },
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':version': current.version },
    },
    () => new StaleAffiliate(),
  );
  const moves: [CodeKind, string | null, string | null][] = [
    ['referral', current.referralCode, next.referralCode],
    ['email', current.email, next.email],
    ['coupon', current.couponCode, next.couponCode],
  ];
  for (const [kind, before, after] of moves) {
    if (sameCode(before, after)) continue;
    if (before) releaseCode(transaction, merchantId, affiliateId, kind, before);
    if (after) claimCode(transaction, merchantId, affiliateId, kind, after);
  }
  if (patch.commissionPlanId) requirePlan(transaction, merchantId, patch.commissionPlanId);
  await transaction.commit();
  if (couponChanged) await afterAffiliateChange(merchantId, affiliateId);
  return toAffiliate(next);
};

/** The affiliate that holds a coupon code (any case), as its claim records it. */
export const findByCouponCode = async (merchantId: string, couponCode: string): Promise<string | undefined> => {
  const { Item } = await db().send(
    new GetCommand({ TableName: tableName(), Key: keys.affiliateCode(merchantId, 'coupon', couponCode), ConsistentRead: true }),
  );
  return Item?.affiliateId as string | undefined;
};

/** Deleting archives: the ledger keeps pointing at the affiliate, and its codes stay reserved. */
export const archive = (merchantId: string, affiliateId: string): Promise<Affiliate> =>
  update(merchantId, affiliateId, { status: 'archived' });
