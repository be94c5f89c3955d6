import { GetCommand } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';
import { ConflictError, PayloadTooLargeError, RateLimitedError, UpstreamError, ValidationError } from '../core/errors';
import { logger } from '../core/logger';
import { modeOf } from '../core/mode';
import { getSecret } from '../core/secrets';
import { findAccountClaim } from '../connect/connection';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
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

class DuplicateEvent extends Error {}

interface ProcessedRecord {
  outcome: string;
}

const processedRecord = async (eventId: string): Promise<ProcessedRecord | undefined> => {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: keys.stripeEvent(eventId), ConsistentRead: true }));
  return Item as ProcessedRecord | undefined;
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
  const mode = modeOf(event.livemode);

  for (let attempt = 1; ; attempt++) {
    // A duplicate is a duplicate even if its first delivery ended the connection: the record is
    // read after the claim, so a claim ended by this event implies its record is visible too.
    const claim = await findAccountClaim(mode, event.account);
    const previous = await processedRecord(event.id);
    if (previous) return result('duplicate', previous.outcome);
    if (!claim) return result('ignored', 'the account is not connected to Tally');
    if (claim.status !== 'connected') return result('ignored', 'the connection has ended');
    logger.appendKeys({ merchantId: claim.merchantId });

    const transaction = new Transaction();
    let outcome: string;
    try {
      outcome = await handle(event, { merchantId: claim.merchantId, mode, accountId: event.account, claim, transaction });
    } catch (error) {
      throw asRetryable(error);
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
      () => new DuplicateEvent(),
    );
    try {
      await transaction.commit();
      return result('processed', outcome);
    } catch (error) {
      if (error instanceof DuplicateEvent) return result('duplicate', (await processedRecord(event.id))?.outcome ?? 'processed');
      // A concurrent sibling changed what the handler read (and if that sibling was this very
      // event, the next attempt finds its record and answers "duplicate").
      if (!(error instanceof ConflictError) || attempt >= maxAttempts) throw error;
      logger.info('Concurrent change while applying an event; retrying', { attempt });
    }
  }
};
