import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { NotFoundError, ValidationError } from '../core/errors';
import { newId } from '../core/ids';
import { logger } from '../core/logger';
import type { Mode } from '../core/mode';
import { email, httpUrl } from '../core/schemas';
import { connectedModes } from '../coupon-sync/accounts';
import * as CouponResyncJobs from '../coupon-sync/job';
import { normalizeEmail, writeMembership } from '../people/store';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import { Transaction } from '../store/transaction';
import { hashKey, newApiKey, newTrackingKey } from './api-keys';

export const subscriptionTrackingModes = ['per_transaction', 'subscription_period'] as const;

export const settingsSchema = z.object({
  autoSyncCoupons: z.boolean(),
  subscriptionTracking: z.enum(subscriptionTrackingModes),
  /** How long a tracked lead can still be credited with a sale. */
  cookieWindowDays: z.int().min(1).max(365),
  /** How long a commission stays pending before it can be paid (refund window). */
  holdDays: z.int().min(0).max(365),
  defaultCommissionPlanId: z.string().min(1).max(64).nullable(),
  /** The merchant's website: an affiliate's referral link is this URL with `?ref=<referralCode>`. */
  siteUrl: httpUrl.nullable(),
});
export type MerchantSettings = z.infer<typeof settingsSchema>;

export const defaultSettings: MerchantSettings = {
  autoSyncCoupons: false,
  subscriptionTracking: 'per_transaction',
  cookieWindowDays: 90,
  holdDays: 30,
  defaultCommissionPlanId: null,
  siteUrl: null,
};

export const createMerchantInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  dashboardUrl: httpUrl.optional(),
  /** The first team member, with role owner: they sign in to the console by e-mail link. */
  ownerEmail: email.optional(),
});
export type CreateMerchantInput = z.infer<typeof createMerchantInput>;

export const settingsPatchInput = settingsSchema
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'Give at least one setting to change.' });
export type SettingsPatch = z.infer<typeof settingsPatchInput>;

export interface StripeConnection {
  accountId: string;
  status: 'connected' | 'disconnected';
  scope?: string;
  connectedAt: string;
  disconnectedAt?: string;
}

export interface Merchant {
  id: string;
  name: string;
  dashboardUrl: string | null;
  trackingKey: string;
  settings: MerchantSettings;
  stripe: Record<Mode, StripeConnection | null>;
  createdAt: string;
}

type MerchantItem = Merchant & { pk: string; sk: string };

const toMerchant = ({ id, name, dashboardUrl, trackingKey, settings, stripe, createdAt }: MerchantItem): Merchant => ({
  id,
  name,
  dashboardUrl,
  trackingKey,
  settings: { ...defaultSettings, ...settings },
  stripe: { live: stripe?.live ?? null, test: stripe?.test ?? null },
  createdAt,
});

/**
 * Creates a merchant with its API key (returned this once, stored as a hash) and tracking key, and
 * its owner as the first team member when given (no mail: they sign in when they want to).
 */
export const create = async (
  input: CreateMerchantInput,
): Promise<{ merchant: Merchant; apiKey: string; trackingKey: string; ownerEmail?: string }> => {
  const apiKey = newApiKey();
  const keyHash = hashKey(apiKey);
  const merchant: Merchant = {
    id: newId('mer'),
    name: input.name,
    dashboardUrl: input.dashboardUrl ?? null,
    trackingKey: newTrackingKey(),
    settings: defaultSettings,
    stripe: { live: null, test: null },
    createdAt: new Date().toISOString(),
  };
  const fresh = 'attribute_not_exists(pk)';
  const collision = () => new Error('Generated key collided; this should never happen');
  const transaction = new Transaction()
    .put({ Item: { ...keys.merchant(merchant.id), type: 'merchant', ...merchant }, ConditionExpression: fresh }, collision)
    .put({ Item: { ...keys.apiKey(keyHash), type: 'apiKey', keyHash, merchantId: merchant.id }, ConditionExpression: fresh }, collision)
    .put(
      { Item: { ...keys.trackingKey(merchant.trackingKey), type: 'trackingKey', merchantId: merchant.id }, ConditionExpression: fresh },
      collision,
    );
  const ownerEmail = input.ownerEmail === undefined ? undefined : normalizeEmail(input.ownerEmail);
  if (ownerEmail) writeMembership(transaction, { merchantId: merchant.id, email: ownerEmail, role: 'owner', invitedBy: null }, merchant.createdAt);
  await transaction.commit();
  return { merchant, apiKey, trackingKey: merchant.trackingKey, ...(ownerEmail ? { ownerEmail } : {}) };
};

export const get = async (merchantId: string): Promise<Merchant> => {
  const { Item } = await db().send(
    new GetCommand({ TableName: tableName(), Key: keys.merchant(merchantId), ConsistentRead: true }),
  );
  if (!Item) throw new NotFoundError('Merchant');
  return toMerchant(Item as MerchantItem);
};

export interface SettingsUpdate {
  settings: MerchantSettings;
  /** The bulk resync that turning auto-sync on started (SPEC section 4; the article's "enable and Save"). */
  resyncJob?: CouponResyncJobs.CouponResyncJob;
}

/** The patch turns auto-sync on, but another request turned it on first (or it was on). */
class AutoSyncWasOn extends Error {}

/**
 * Writes the patch in one transaction: a default plan must exist and be the merchant's own, and
 * the auto-sync flag also maintains the merchant's entry in the list the scheduled resync reads.
 * With `turningOn`, the write succeeds only if auto-sync was off, so of concurrent requests that
 * turn it on exactly one sees the transition.
 */
const writeSettings = async (merchantId: string, patch: SettingsPatch, turningOn: boolean): Promise<void> => {
  const names: Record<string, string> = { '#settings': 'settings' };
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [field, value] of Object.entries(patch)) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#settings.#${field} = :${field}`);
  }
  let removes: string[] = [];
  if (patch.autoSyncCoupons === true) {
    const index = keys.autoSyncMerchant(merchantId);
    Object.assign(names, { '#gsi1pk': 'gsi1pk', '#gsi1sk': 'gsi1sk' });
    Object.assign(values, { ':gsi1pk': index.gsi1pk, ':gsi1sk': index.gsi1sk });
    sets.push('#gsi1pk = :gsi1pk', '#gsi1sk = :gsi1sk');
  } else if (patch.autoSyncCoupons === false) {
    Object.assign(names, { '#gsi1pk': 'gsi1pk', '#gsi1sk': 'gsi1sk' });
    removes = ['#gsi1pk', '#gsi1sk'];
  }
  if (turningOn) values[':off'] = false;

  const transaction = new Transaction().update(
    {
      Key: keys.merchant(merchantId),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: turningOn
        ? 'attribute_exists(pk) AND (attribute_not_exists(#settings.#autoSyncCoupons) OR #settings.#autoSyncCoupons = :off)'
        : 'attribute_exists(pk)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
    () => (turningOn ? new AutoSyncWasOn() : new NotFoundError('Merchant')),
  );
  if (patch.defaultCommissionPlanId) {
    transaction.check(
      { Key: keys.plan(merchantId, patch.defaultCommissionPlanId), ConditionExpression: 'attribute_exists(pk)' },
      () =>
        new ValidationError('The default commission plan does not exist.', [
          { path: ['defaultCommissionPlanId'], message: 'no commission plan with this id' },
        ]),
    );
  }
  await transaction.commit();
};

/** Undoes a transition to auto-sync whose resync could not start, so that trying again starts one. */
const turnAutoSyncBackOff = async (merchantId: string) => {
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.merchant(merchantId),
        UpdateExpression: 'SET #settings.#autoSyncCoupons = :off REMOVE #gsi1pk, #gsi1sk',
        ConditionExpression: '#settings.#autoSyncCoupons = :on',
        ExpressionAttributeNames: { '#settings': 'settings', '#autoSyncCoupons': 'autoSyncCoupons', '#gsi1pk': 'gsi1pk', '#gsi1sk': 'gsi1sk' },
        ExpressionAttributeValues: { ':off': false, ':on': true },
      }),
    );
  } catch (error) {
    // Turned off meanwhile: nothing to undo.
    if (error instanceof ConditionalCheckFailedException) return;
    // Auto-sync stays on without its first resync; the scheduled drift repair, which reads the
    // merchants with auto-sync on, resyncs them within a day.
    logger.error('Could not turn auto-sync back off after its resync failed to start', { error: error as Error, merchantId });
  }
};

/**
 * Changes settings. Everything is checked and written first, so a refused patch (an unknown
 * default plan) starts nothing; only the request that turned auto-sync from off to on then starts
 * a bulk resync in every connected mode. If that cannot start, auto-sync is turned back off and
 * the merchant sees the error, so simply trying again works.
 */
export const updateSettings = async (merchantId: string, patch: SettingsPatch): Promise<SettingsUpdate> => {
  let turnedOn = false;
  if (patch.autoSyncCoupons === true) {
    try {
      await writeSettings(merchantId, patch, true);
      turnedOn = true;
    } catch (error) {
      if (!(error instanceof AutoSyncWasOn)) throw error;
      await writeSettings(merchantId, patch, false);
    }
  } else {
    await writeSettings(merchantId, patch, false);
  }
  const merchant = await get(merchantId);
  const resyncModes = turnedOn ? connectedModes(merchant) : [];
  if (resyncModes.length === 0) return { settings: merchant.settings };
  try {
    return { settings: merchant.settings, resyncJob: await CouponResyncJobs.start(merchant, resyncModes, 'settings') };
  } catch (error) {
    await turnAutoSyncBackOff(merchantId);
    throw error;
  }
};
