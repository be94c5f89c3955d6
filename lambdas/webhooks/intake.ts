import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { BusyError, ConflictError, PayloadTooLargeError, RateLimitedError, UpstreamError, ValidationError } from '../core/errors';
import { logger } from '../core/logger';
import { type Mode, modeOf } from '../core/mode';
import { getSecret } from '../core/secrets';
import type { AccountClaim } from '../connect/connection';
import { batchGet, type ItemLookup } from '../store/batch';
import { db, tableName } from '../store/db';
import { type Key, keys } from '../store/keys';
import { Transaction } from '../store/transaction';
import { handlerFor } from './registry';

export const maxWebhookBytes = 1024 * 1024;
/** Stripe's own default: a signature older than five minutes is refused (replay protection). */
const toleranceSeconds = 300;
/** Processed-event records outlive Stripe's retries (3 days) and manual resends (30 days). */
const processedRecordDays = 90;
const maxAttempts = 5;

export type IntakeStatus = 'processed' | 'ignored' | 'duplicate';
export interface IntakeResult {
  status: IntakeStatus;
  outcome: string;
  eventId?: string;
  eventType?: string;
}

/** Tries every configured secret (live, test, and old ones during a rotation). */
const verify = (payload: Buffer, signature: string | undefined, secrets: string[]): Stripe.Event => {
  if (!signature) throw new ValidationError('The Stripe-Signature header is missing.', undefined, 'invalid_signature');
  for (const secret of secrets) {
    try {
      return Stripe.webhooks.constructEvent(payload, signature, secret, toleranceSeconds);
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) {
        throw new ValidationError('The payload is not a Stripe event.', undefined, 'invalid_payload');
      }
    }
  }
  throw new ValidationError('The Stripe signature does not match, or is too old.', undefined, 'invalid_signature');
};

/** The event was applied before: its record holds the outcome to answer with. */
class DuplicateEvent extends Error {
  constructor(readonly outcome: string) {
    super('duplicate event');
  }
}

/** The account is not (or no longer) connected: the event is acknowledged and ignored. */
class IgnoredEvent extends Error {
  constructor(readonly outcome: string) {
    super(outcome);
  }
}

/** The claim this container remembered has changed since: run the handler again with the stored one. */
class StaleClaim extends Error {
  constructor(readonly claim: AccountClaim) {
    super('stale account claim');
  }
}

interface ProcessedRecord {
  outcome: string;
}

const processedRecord = async (eventId: string): Promise<ProcessedRecord | undefined> => {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: keys.stripeEvent(eventId), ConsistentRead: true }));
  return Item as ProcessedRecord | undefined;
};

/**
 * The account claim each account last had in this container. Handlers build their keys from the
 * merchant it names, so their first read can fetch the claim itself alongside their own items
 * (one call instead of two); that read checks the claim is still the same before anything is
 * applied, and a changed one sends the handler round again.
 */
const claimHints = new Map<string, AccountClaim>();
const hintKey = (mode: Mode, accountId: string) => `${mode}#${accountId}`;

const sameClaim = (a: AccountClaim, b: AccountClaim) =>
  a.merchantId === b.merchantId && a.status === b.status && a.connectedAt === b.connectedAt;

/**
 * Checks what a read brought back about the event itself. A duplicate is a duplicate even if its
 * first delivery ended the connection: the record and the claim come from one consistent read, and
 * the transaction that ended the connection also wrote the record.
 */
const checkpoint = (found: ItemLookup, claimKey: Key, recordKey: Key, expected?: AccountClaim): AccountClaim => {
  const previous = found.get<ProcessedRecord>(recordKey);
  if (previous) throw new DuplicateEvent(previous.outcome);
  const claim = found.get<AccountClaim>(claimKey);
  if (!claim) throw new IgnoredEvent('the account is not connected to Tally');
  if (claim.status !== 'connected') throw new IgnoredEvent('the connection has ended');
  if (expected && !sameClaim(expected, claim)) throw new StaleClaim(claim);
  return claim;
};

const isVerdict = (error: unknown) => error instanceof DuplicateEvent || error instanceof IgnoredEvent || error instanceof StaleClaim;

/**
 * Why a handler failed. One that failed before its first read may have failed because the event
 * should not be applied at all (Stripe refuses calls on a deauthorized account): the claim and the
 * record are checked then, and their verdict is the answer rather than a fault.
 */
const causeOf = async (error: unknown, check?: () => Promise<void>): Promise<unknown> => {
  if (!check || isVerdict(error)) return error;
  try {
    await check();
    return error;
  } catch (verdict) {
    return verdict;
  }
};

/** Stripe faults become statuses that make Stripe deliver the event again later. */
const asRetryable = (error: unknown): unknown => {
  if (error instanceof Stripe.errors.StripeRateLimitError) return new RateLimitedError('Stripe is rate limiting; retry later.');
  if (error instanceof Stripe.errors.StripeAPIError || error instanceof Stripe.errors.StripeConnectionError)
    return new UpstreamError('stripe_unavailable', 'Stripe did not answer; retry later.');
  return error;
};

/**
 * Verifies a webhook delivery and applies it exactly once. The handler's effects and the record
 * that the event was processed are one DynamoDB transaction: a duplicate (even a concurrent one)
 * fails on the record and changes nothing. A conflict with a concurrent change re-runs the handler
 * on fresh reads; anything else that fails leaves nothing stored and asks Stripe to retry.
 */
export const receive = async (payload: Buffer, signature: string | undefined): Promise<IntakeResult> => {
  if (payload.length > maxWebhookBytes) throw new PayloadTooLargeError(maxWebhookBytes);
  const event = verify(payload, signature, await getSecret('stripeWebhookSecrets'));
  const described = { eventId: event.id, eventType: event.type };
  logger.appendKeys({ stripeEventId: event.id, eventType: event.type });
  const result = (status: IntakeStatus, outcome: string): IntakeResult => {
    logger.info('Stripe event', { status, outcome });
    return { status, outcome, ...described };
  };

  const handle = handlerFor(event.type);
  if (!handle) return result('ignored', 'no handler for this event type');
  if (!event.account) return result('ignored', 'not an event of a connected account');
  const accountId = event.account;
  const mode = modeOf(event.livemode);
  const claimKey = keys.stripeAccount(mode, accountId);
  const recordKey = keys.stripeEvent(event.id);
  const hint = hintKey(mode, accountId);
  const settle = (error: unknown): IntakeResult => {
    if (error instanceof DuplicateEvent) return result('duplicate', error.outcome);
    if (error instanceof IgnoredEvent) {
      claimHints.delete(hint);
      return result('ignored', error.outcome);
    }
    throw error;
  };

  for (let attempt = 1; ; attempt++) {
    let claim = claimHints.get(hint);
    let checked = false;
    try {
      if (!claim) {
        claim = checkpoint(await batchGet([claimKey, recordKey]), claimKey, recordKey);
        claimHints.set(hint, claim);
        checked = true;
      }
    } catch (error) {
      return settle(error);
    }
    const expected = claim;
    const check = async (found?: ItemLookup) => {
      checkpoint(found ?? (await batchGet([claimKey, recordKey])), claimKey, recordKey, expected);
      checked = true;
    };
    logger.appendKeys({ merchantId: claim.merchantId });

    const transaction = new Transaction();
    const read = async (itemKeys: readonly Key[], into?: ItemLookup): Promise<ItemLookup> => {
      if (checked) return batchGet(itemKeys, into);
      const found = await batchGet([...itemKeys, claimKey, recordKey], into);
      await check(found);
      return found;
    };
    let outcome: string;
    try {
      outcome = await handle(event, { merchantId: claim.merchantId, mode, accountId, claim, transaction, read });
      if (!checked) await check();
    } catch (error) {
      const cause = await causeOf(error, checked ? undefined : check);
      if (cause instanceof StaleClaim && attempt < maxAttempts) {
        claimHints.set(hint, cause.claim);
        continue;
      }
      if (cause instanceof DuplicateEvent || cause instanceof IgnoredEvent) return settle(cause);
      throw asRetryable(cause);
    }
    const processedAt = new Date();
    transaction.put(
      {
        Item: {
          ...keys.stripeEvent(event.id),
          type: 'stripeEvent',
          eventType: event.type,
          merchantId: claim.merchantId,
          mode,
          outcome,
          processedAt: processedAt.toISOString(),
          expiresAt: Math.floor(processedAt.getTime() / 1000) + processedRecordDays * 86_400,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
      () => new DuplicateEvent('processed'),
    );
    try {
      await transaction.commit();
      return result('processed', outcome);
    } catch (error) {
      if (error instanceof DuplicateEvent) return result('duplicate', (await processedRecord(event.id))?.outcome ?? 'processed');
      // A concurrent sibling changed what the handler read (and if that sibling was this very
      // event, the next attempt finds its record and answers "duplicate"). A short random pause
      // keeps siblings that collided from colliding again at once.
      if (!(error instanceof ConflictError)) throw error;
      if (attempt >= maxAttempts) throw new BusyError();
      logger.info('Concurrent change while applying an event; retrying', { attempt });
      await sleep(Math.random() * 25 * attempt);
    }
  }
};
