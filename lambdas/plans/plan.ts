import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors';
import { zodIssues } from '../core/validation';
import { newId } from '../core/ids';
import { moneySchema } from '../core/money';
import { get as getMerchant } from '../merchants/merchant';
import { batchGet } from '../store/batch';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import { type Page, type PageRequest, queryPage } from '../store/query';
import { Transaction } from '../store/transaction';

/** Percent rates are basis points: 1250 = 12.5 %. */
export const rateSchema = z.union([
  z.strictObject({ percentBps: z.int().min(0).max(10_000) }),
  z.strictObject({ flat: moneySchema.refine((money) => money.amount > 0, 'a flat rate must be more than zero') }),
]);

/** Which payments earn: the first, all of them, or those of the first N months of the customer. */
export const recurringSchema = z.union([
  z.enum(['first', 'all']),
  z.strictObject({ months: z.int().min(1).max(120) }),
]);

/** Stripe product IDs, as the article's "Line Item SKU list" holds them. */
const skuSchema = z.string().regex(/^prod_[A-Za-z0-9]{1,100}$/, 'a Stripe product ID (prod_…)');

const planFields = {
  name: z.string().trim().min(1).max(100),
  rate: rateSchema,
  paymentFor: z.enum(['all', 'line_items']),
  lineItemSkus: z.array(skuSchema).max(500),
  recurring: recurringSchema,
  isDefault: z.boolean(),
};

type PlanShape = { paymentFor?: 'all' | 'line_items'; lineItemSkus?: string[] };

/** `line_items` needs at least one SKU; `all` takes none, so a plan never says two things. */
const skuRule = (plan: PlanShape, ctx: z.RefinementCtx) => {
  const skus = plan.lineItemSkus ?? [];
  if (plan.paymentFor === 'line_items' && skus.length === 0)
    ctx.addIssue({ code: 'custom', path: ['lineItemSkus'], message: 'line_items plans need at least one product ID' });
  if (plan.paymentFor === 'all' && skus.length > 0)
    ctx.addIssue({ code: 'custom', path: ['lineItemSkus'], message: 'only line_items plans take product IDs' });
  if (new Set(skus).size !== skus.length)
    ctx.addIssue({ code: 'custom', path: ['lineItemSkus'], message: 'product IDs must not repeat' });
};

export const createPlanInput = z
  .strictObject({
    ...planFields,
    paymentFor: planFields.paymentFor.default('all'),
    lineItemSkus: planFields.lineItemSkus.default([]),
    recurring: planFields.recurring.default('all'),
    isDefault: planFields.isDefault.optional(),
  })
  .superRefine(skuRule);
export type CreatePlanInput = z.infer<typeof createPlanInput>;

export const updatePlanInput = z
  .strictObject(planFields)
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'Give at least one field to change.' });
export type UpdatePlanInput = z.infer<typeof updatePlanInput>;

export type Rate = z.infer<typeof rateSchema>;
export type Recurring = z.infer<typeof recurringSchema>;

export interface CommissionPlan {
  id: string;
  name: string;
  rate: Rate;
  paymentFor: 'all' | 'line_items';
  lineItemSkus: string[];
  recurring: Recurring;
  /** Derived from the merchant's settings, the one place the default is stored. */
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
}

/**
 * The plan's head item: its current version (also the optimistic lock); `isDefault` is not stored
 * on the plan.
 */
type StoredPlan = Omit<CommissionPlan, 'isDefault'> & { version: number };

const toPlan = (item: StoredPlan, defaultPlanId: string | null): CommissionPlan => ({
  id: item.id,
  name: item.name,
  rate: item.rate,
  paymentFor: item.paymentFor,
  lineItemSkus: item.lineItemSkus,
  recurring: item.recurring,
  isDefault: item.id === defaultPlanId,
  createdAt: item.createdAt,
  updatedAt: item.updatedAt,
});

const defaultPlanId = async (merchantId: string) => (await getMerchant(merchantId)).settings.defaultCommissionPlanId;

const concurrentUpdate = () =>
  new ConflictError('plan.concurrent_update', 'The plan or the default changed while this update was made; retry.');

/** What a commission is worked out from: one version of a plan. */
export interface PlanVersion {
  id: string;
  version: number;
  name: string;
  rate: Rate;
  paymentFor: 'all' | 'line_items';
  lineItemSkus: string[];
  recurring: Recurring;
}

/** The terms of a stored plan item: a head and its version items hold them under the same names. */
const termsOf = (item: Record<string, unknown>): PlanVersion => {
  const { id, version, name, rate, paymentFor, lineItemSkus, recurring } = item as unknown as PlanVersion;
  return { id, version, name, rate, paymentFor, lineItemSkus, recurring };
};

/** The version a head item (keys.plan) describes. */
export const versionOfHead = (item: Record<string, unknown>): PlanVersion => termsOf(item);

export const planVersionKey = (planId: string, version: number) => `${planId}@${version}`;

/**
 * Every write of a plan also writes its new version, once: commissions name the version they were
 * earned under, so what a version says must never change after it is written.
 */
const putVersion = (transaction: Transaction, merchantId: string, plan: StoredPlan, onConditionFailed?: () => Error) =>
  transaction.put(
    {
      Item: { ...keys.planVersion(merchantId, plan.id, plan.version), type: 'planVersion', ...termsOf(plan) },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
    onConditionFailed,
  );

const versionCacheSize = 500;
/** Versions read by this container, oldest use first; a version never changes, so none is ever stale. */
const versionCache = new Map<string, PlanVersion>();
const versionCacheKey = (merchantId: string, planId: string, version: number) => `${merchantId}/${planVersionKey(planId, version)}`;

const cached = (key: string): PlanVersion | undefined => {
  const version = versionCache.get(key);
  if (version) {
    versionCache.delete(key);
    versionCache.set(key, version);
  }
  return version;
};

const remember = (key: string, version: PlanVersion) => {
  versionCache.set(key, version);
  if (versionCache.size > versionCacheSize) versionCache.delete(versionCache.keys().next().value as string);
};

/**
 * Reads plan versions by {planId, version}, from a container-wide cache first (versions never
 * change, so a cached one is never stale), the rest in one batchGet. Returns a Map keyed by
 * `${planId}@${version}` (planVersionKey); a missing version is simply absent.
 */
export const planVersions = async (
  merchantId: string,
  wanted: readonly { planId: string; version: number }[],
): Promise<Map<string, PlanVersion>> => {
  const found = new Map<string, PlanVersion>();
  const missing: { planId: string; version: number }[] = [];
  for (const { planId, version } of wanted) {
    const hit = cached(versionCacheKey(merchantId, planId, version));
    if (hit) found.set(planVersionKey(planId, version), hit);
    else missing.push({ planId, version });
  }
  if (missing.length === 0) return found;
  const read = await batchGet(missing.map(({ planId, version }) => keys.planVersion(merchantId, planId, version)));
  for (const { planId, version } of missing) {
    const item = read.get(keys.planVersion(merchantId, planId, version));
    if (!item) continue;
    const planVersion = termsOf(item);
    remember(versionCacheKey(merchantId, planId, version), planVersion);
    found.set(planVersionKey(planId, version), planVersion);
  }
  return found;
};

interface DefaultChange {
  to: string | null;
  /** Only while the default is still this plan (when clearing it), or still none (`null`). */
  whileDefaultIs?: string | null;
}

/** Moves the merchant's default plan, the one thing a plan write changes on the profile. */
const moveDefault = (transaction: Transaction, merchantId: string, change: DefaultChange) => {
  const values: Record<string, unknown> = { ':planId': change.to };
  let condition = 'attribute_exists(pk)';
  if (change.whileDefaultIs !== undefined) {
    condition += ' AND (attribute_not_exists(#settings.#default) OR #settings.#default = :current)';
    values[':current'] = change.whileDefaultIs;
  }
  transaction.update(
    {
      Key: keys.merchant(merchantId),
      UpdateExpression: 'SET #settings.#default = :planId',
      ConditionExpression: condition,
      ExpressionAttributeNames: { '#settings': 'settings', '#default': 'defaultCommissionPlanId' },
      ExpressionAttributeValues: values,
    },
    change.whileDefaultIs !== undefined ? concurrentUpdate : () => new NotFoundError('Merchant'),
  );
};

/**
 * The merchant's first plan becomes its default, so commissions start without another step. Two
 * first plans created at once cannot both become it: the implicit default is written only while
 * there is none, and the plan that loses that race is created again as an ordinary plan.
 */
export const create = async (merchantId: string, input: CreatePlanInput): Promise<CommissionPlan> => {
  const now = new Date().toISOString();
  const { isDefault, ...fields } = input;
  const plan: StoredPlan = { id: newId('plan'), ...fields, version: 1, createdAt: now, updatedAt: now };
  for (let attempt = 1; ; attempt++) {
    const currentDefault = await defaultPlanId(merchantId);
    const becomesDefault = isDefault ?? currentDefault === null;
    const transaction = new Transaction().put({
      Item: { ...keys.plan(merchantId, plan.id), type: 'plan', merchantId, ...plan },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    putVersion(transaction, merchantId, plan);
    if (becomesDefault) moveDefault(transaction, merchantId, { to: plan.id, ...(isDefault === undefined ? { whileDefaultIs: null } : {}) });
    try {
      await transaction.commit();
      return toPlan(plan, becomesDefault ? plan.id : currentDefault);
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= 2) throw error;
    }
  }
};

const getStored = async (merchantId: string, planId: string): Promise<StoredPlan> => {
  const { Item } = await db().send(
    new GetCommand({ TableName: tableName(), Key: keys.plan(merchantId, planId), ConsistentRead: true }),
  );
  if (!Item) throw new NotFoundError('Commission plan');
  return Item as StoredPlan;
};

export const get = async (merchantId: string, planId: string): Promise<CommissionPlan> => {
  const [item, defaultId] = await Promise.all([getStored(merchantId, planId), defaultPlanId(merchantId)]);
  return toPlan(item, defaultId);
};

export const list = async (merchantId: string, page: PageRequest): Promise<Page<CommissionPlan>> => {
  const [items, defaultId] = await Promise.all([
    queryPage<StoredPlan>({ key: keys.plans(merchantId) }, page),
    defaultPlanId(merchantId),
  ]);
  return { data: items.data.map((item) => toPlan(item, defaultId)), nextCursor: items.nextCursor };
};

/**
 * Changes a plan: the head moves to the next version, written beside the earlier ones, so a
 * commission keeps the version it was earned under and the change applies from the next payment.
 * The SKU rule is checked on the plan as it will be after the change, and the write is conditional
 * on the version that was checked.
 */
export const update = async (merchantId: string, planId: string, patch: UpdatePlanInput): Promise<CommissionPlan> => {
  const [current, defaultId] = await Promise.all([getStored(merchantId, planId), defaultPlanId(merchantId)]);
  const { isDefault, ...fields } = patch;
  const next: StoredPlan = {
    ...current,
    ...fields,
    // Switching to `all` drops the SKU list rather than leaving a plan that says two things.
    lineItemSkus: fields.lineItemSkus ?? (fields.paymentFor === 'all' ? [] : current.lineItemSkus),
    version: current.version + 1,
    updatedAt: new Date().toISOString(),
  };
  const checked = z.looseObject({}).superRefine(skuRule).safeParse(next);
  if (!checked.success) throw new ValidationError('The request body is not valid.', zodIssues(checked.error));

  const transaction = new Transaction().update(
    {
      Key: keys.plan(merchantId, planId),
      UpdateExpression:
        'SET #name = :name, #rate = :rate, #paymentFor = :paymentFor, #lineItemSkus = :lineItemSkus, ' +
        '#recurring = :recurring, #version = :version, #updatedAt = :updatedAt',
      ConditionExpression: '#version = :checkedVersion',
      ExpressionAttributeNames: {
        '#name': 'name',
        '#rate': 'rate',
        '#paymentFor': 'paymentFor',
        '#lineItemSkus': 'lineItemSkus',
        '#recurring': 'recurring',
        '#version': 'version',
        '#updatedAt': 'updatedAt',
      },
      ExpressionAttributeValues: {
        ':name': next.name,
        ':rate': next.rate,
        ':paymentFor': next.paymentFor,
        ':lineItemSkus': next.lineItemSkus,
        ':recurring': next.recurring,
        ':version': next.version,
        ':updatedAt': next.updatedAt,
        ':checkedVersion': current.version,
      },
    },
    concurrentUpdate,
  );
  putVersion(transaction, merchantId, next, concurrentUpdate);
  let change: DefaultChange | undefined;
  if (isDefault === true && defaultId !== planId) change = { to: planId };
  if (isDefault === false && defaultId === planId) change = { to: null, whileDefaultIs: planId };
  if (change) moveDefault(transaction, merchantId, change);
  await transaction.commit();
  const nextDefault = change ? change.to : defaultId;
  return toPlan(next, nextDefault);
};
