import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors';
import { zodIssues } from '../core/validation';
import { newId } from '../core/ids';
import { moneySchema } from '../core/money';
import { get as getMerchant } from '../merchants/merchant';
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

/** Stored with a version for optimistic locking; `isDefault` is not stored on the plan. */
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

/**
 * Where the merchant's profile keeps a copy of each plan: the ledger reads the profile with the
 * rest of a purchase's items and needs the plans in that same read (one attribute per plan, so a
 * plan write never rewrites the others).
 */
export const profilePlanAttribute = (planId: string): string => `plan#${planId}`;

/** A plan as its profile copy holds it, or undefined when the profile has none (plans older than the copy). */
export const planFromProfile = (profile: Record<string, unknown> | undefined, planId: string): Omit<StoredPlan, 'version'> | undefined =>
  profile?.[profilePlanAttribute(planId)] as Omit<StoredPlan, 'version'> | undefined;

interface DefaultChange {
  to: string | null;
  /** Only while the default is still this plan (when clearing it), or still none (`null`). */
  whileDefaultIs?: string | null;
}

/**
 * Writes a plan's copy on the merchant's profile and, when asked, moves the default — one update,
 * since a transaction may touch the profile only once.
 */
const updateProfile = (transaction: Transaction, merchantId: string, plan: StoredPlan, change?: DefaultChange) => {
  const { version: _version, ...copy } = plan;
  const names: Record<string, string> = { '#copy': profilePlanAttribute(plan.id) };
  const values: Record<string, unknown> = { ':copy': copy };
  const sets = ['#copy = :copy'];
  let condition = 'attribute_exists(pk)';
  if (change) {
    Object.assign(names, { '#settings': 'settings', '#default': 'defaultCommissionPlanId' });
    values[':planId'] = change.to;
    sets.push('#settings.#default = :planId');
    if (change.whileDefaultIs !== undefined) {
      condition += ' AND (attribute_not_exists(#settings.#default) OR #settings.#default = :current)';
      values[':current'] = change.whileDefaultIs;
    }
  }
  transaction.update(
    {
      Key: keys.merchant(merchantId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
    change?.whileDefaultIs !== undefined ? concurrentUpdate : () => new NotFoundError('Merchant'),
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
    const change: DefaultChange | undefined = becomesDefault
      ? { to: plan.id, ...(isDefault === undefined ? { whileDefaultIs: null } : {}) }
      : undefined;
    updateProfile(transaction, merchantId, plan, change);
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
 * Changes a plan. Commissions already earned keep their amounts; the plan applies from the next
 * payment. The SKU rule is checked on the plan as it will be after the change, and the write is
 * conditional on the version that was checked.
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
  let change: DefaultChange | undefined;
  if (isDefault === true && defaultId !== planId) change = { to: planId };
  if (isDefault === false && defaultId === planId) change = { to: null, whileDefaultIs: planId };
  updateProfile(transaction, merchantId, next, change);
  await transaction.commit();
  const nextDefault = change ? change.to : defaultId;
  return toPlan(next, nextDefault);
};
