import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import * as z from 'zod';
import { BusyError, ConflictError, PayloadTooLargeError, RateLimitedError, UpstreamError, ValidationError } from '../core/errors';
import { logger } from '../core/logger';
import { type Mode, modeOf, modes } from '../core/mode';
import { getSecret, type SecretValue } from '../core/secrets';
import { zodIssues } from '../core/validation';
import type { AccountClaim } from '../connect/connection';
import { batchGet, type ItemLookup } from '../store/batch';
import { db, tableName } from '../store/db';
import { type Key, keys } from '../store/keys';
import { Transaction } from '../store/transaction';
import { handlerFor } from './registry';
import type { EventHandler } from './types';

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

type Answer = Pick<IntakeResult, 'status' | 'outcome'>;

const notAnEvent = 'The payload is not a Stripe event.';

type WebhookSecrets = SecretValue<'stripeWebhookSecrets'>;

/** A verified body, and the mode of the secret that signed it. */
interface Signed {
  body: unknown;
  signedFor: Mode;
}

/** Tries every configured secret of both modes (old ones too, during a rotation). */
const verify = (payload: Buffer, signature: string | undefined, secrets: WebhookSecrets): Signed => {
  if (!signature) throw new ValidationError('The Stripe-Signature header is missing.', undefined, 'invalid_signature');
  for (const signedFor of modes) {
    for (const secret of secrets[signedFor]) {
      try {
        return { body: Stripe.webhooks.constructEvent(payload, signature, secret, toleranceSeconds), signedFor };
      } catch (error) {
        if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) throw new ValidationError(notAnEvent, undefined, 'invalid_payload');
      }
    }
  }
  throw new ValidationError('The Stripe signature does not match, or is too old.', undefined, 'invalid_signature');
};

/** What the intake itself reads of every event; each handler checks the object it reads (ledger/stripe-objects.ts). */
const envelopeSchema = z.looseObject({
  id: z.string().startsWith('evt_'),
  type: z.string(),
  created: z.int(),
  livemode: z.boolean(),
  account: z.string().optional(),
  data: z.looseObject({ object: z.looseObject({}) }),
});

/**
 * A signed body (or a partner bus's `detail`) is still refused unless it is an event: nothing is
 * stored for a malformed one.
 */
export const envelope = (signed: unknown): Stripe.Event => {
  const parsed = envelopeSchema.safeParse(signed);
  if (!parsed.success) throw new ValidationError(notAnEvent, zodIssues(parsed.error), 'invalid_payload');
  return signed as Stripe.Event;
};

/**
 * Each mode's endpoint has its own secret, and only that secret vouches for the event's
 * `livemode`: whoever holds a test secret must not be able to sign a live event.
 */
const inSigningMode = (event: Stripe.Event, signedFor: Mode): Stripe.Event => {
  if (modeOf(event.livemode) === signedFor) return event;
  logger.warn('Stripe event signed with a secret of the other mode; refused', { stripeEventId: event.id, eventType: event.type, signedFor });
  throw new ValidationError(`The event says livemode ${String(event.livemode)}, but a ${signedFor} mode secret signed it.`, undefined, 'invalid_signature');
};

interface ProcessedRecord {
  outcome: string;
}

const processedRecord = async (eventId: string): Promise<ProcessedRecord | undefined> => {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: keys.stripeEvent(eventId), ConsistentRead: true }));
  return Item as ProcessedRecord | undefined;
};

/** An event of a connected account, with the keys of the account's claim and of the event's processed record. */
interface Delivery {
  event: Stripe.Event;
  mode: Mode;
  accountId: string;
  claimKey: Key;
  recordKey: Key;
  /** Where this container remembers the account's claim. */
  hint: string;
}

/**
 * The account claim each account last had in this container. Handlers build their keys from the
 * merchant it names, so their first read can fetch the claim itself alongside their own items
 * (one call instead of two); that read checks the claim is still the same before anything is
 * applied, and a changed one sends the handler round again.
 */
const claimHints = new Map<string, AccountClaim>();

const sameClaim = (a: AccountClaim, b: AccountClaim) =>
  a.merchantId === b.merchantId && a.status === b.status && a.connectedAt === b.connectedAt;

/**
 * What the claim and the processed record say against applying the event: it was applied before
 * (its record holds the outcome to answer with), its account is not connected, or the claim the
 * handler ran with is not the stored one (run it again with that).
 */
type Verdict = { verdict: 'duplicate' | 'ignored'; outcome: string } | { verdict: 'stale'; claim: AccountClaim };

const isVerdict = (checked: Verdict | AccountClaim): checked is Verdict => 'verdict' in checked;

/**
 * Checks what a read brought back about the event itself: its verdict, or the claim to apply it
 * with. A duplicate is a duplicate even if its first delivery ended the connection: the record and
 * the claim come from one consistent read, and the transaction that ended the connection also
 * wrote the record.
 */
const checkpoint = (found: ItemLookup, delivery: Delivery, expected?: AccountClaim): Verdict | AccountClaim => {
  const previous = found.get<ProcessedRecord>(delivery.recordKey);
  if (previous) return { verdict: 'duplicate', outcome: previous.outcome };
  const claim = found.get<AccountClaim>(delivery.claimKey);
  if (!claim) return { verdict: 'ignored', outcome: 'the account is not connected to Tally' };
  if (claim.status !== 'connected') return { verdict: 'ignored', outcome: 'the connection has ended' };
  if (expected && !sameClaim(expected, claim)) return { verdict: 'stale', claim };
  return claim;
};

/**
 * How a handler's read hands a verdict to the intake: it rejects with this instead of returning
 * items the event must not be applied from. Handler code does not catch, so it reaches the intake.
 */
class Stop {
  constructor(readonly verdict: Verdict) {}
}

/** A handler's run that passed the checks: its effect, to be stored with the record of its outcome. */
interface Applied {
  verdict: 'apply';
  claim: AccountClaim;
  transaction: Transaction;
  status: 'processed' | 'ignored';
  outcome: string;
}

/** Stripe's 404 for an object the event names (`No such invoice: 'in_…'`), said as the event's outcome. */
const missingInStripe = (error: unknown): string | undefined => {
  if (!(error instanceof Stripe.errors.StripeInvalidRequestError) || error.statusCode !== 404 || error.code !== 'resource_missing') return undefined;
  const named = /^No such ([^:]+): '?([^'\s]+)'?/.exec(error.message);
  return `${named ? `the ${named[1]} ${named[2]}` : 'an object the event names'} no longer exists in Stripe`;
};

/** Stripe faults become statuses that make Stripe deliver the event again later. */
const asRetryable = (error: unknown): unknown => {
  if (error instanceof Stripe.errors.StripeRateLimitError) return new RateLimitedError('Stripe is rate limiting; retry later.');
  if (error instanceof Stripe.errors.StripeAPIError || error instanceof Stripe.errors.StripeConnectionError)
    return new UpstreamError('stripe_unavailable', 'Stripe did not answer; retry later.');
  return error;
};

/**
 * Runs the handler once. With no claim remembered, the claim and the record are read first; with
 * one, they come with the handler's first read (or are read after a handler that reads nothing).
 */
const run = async (delivery: Delivery, handle: EventHandler): Promise<Verdict | Applied> => {
  const remembered = claimHints.get(delivery.hint);
  let checked = false;
  const check = async (found?: ItemLookup): Promise<Verdict | AccountClaim> => {
    checked = true;
    return checkpoint(found ?? (await batchGet([delivery.claimKey, delivery.recordKey])), delivery, remembered);
  };
  /** The verdict of the claim and the record, unless they were checked already. */
  const confirm = async (): Promise<Verdict | undefined> => {
    if (checked) return undefined;
    const checkedNow = await check();
    return isVerdict(checkedNow) ? checkedNow : undefined;
  };

  const claim = remembered ?? (await check());
  if (isVerdict(claim)) return claim;
  claimHints.set(delivery.hint, claim);
  logger.appendKeys({ merchantId: claim.merchantId });

  const read = async (itemKeys: readonly Key[], into?: ItemLookup): Promise<ItemLookup> => {
    if (checked) return batchGet(itemKeys, into);
    const found = await batchGet([...itemKeys, delivery.claimKey, delivery.recordKey], into);
    const checkedNow = await check(found);
    if (isVerdict(checkedNow)) throw new Stop(checkedNow);
    return found;
  };
  const transaction = new Transaction();
  let outcome: string;
  try {
    outcome = await handle(delivery.event, { merchantId: claim.merchantId, mode: delivery.mode, accountId: delivery.accountId, claim, transaction, read });
  } catch (error) {
    if (error instanceof Stop) return error.verdict;
    // A handler that failed before its first read may have failed because the event must not be
    // applied at all (Stripe refuses calls on a deauthorized account): the verdict is the answer then.
    const verdict = await confirm();
    if (verdict) return verdict;
    // An object deleted since the event was sent will not come back: no delivery can apply it.
    const missing = missingInStripe(error);
    if (missing) return { verdict: 'apply', claim, transaction: new Transaction(), status: 'ignored', outcome: missing };
    throw asRetryable(error);
  }
  return (await confirm()) ?? { verdict: 'apply', claim, transaction, status: 'processed', outcome };
};

/** The record's condition failed: the event was applied meanwhile. */
class AlreadyProcessed extends Error {}

/** Commits the run's effect together with the record that the event was processed: one is never stored without the other. */
const store = async (delivery: Delivery, applied: Applied): Promise<'stored' | 'duplicate' | 'conflict'> => {
  const processedAt = new Date();
  applied.transaction.put(
    {
      Item: {
        ...delivery.recordKey,
        type: 'stripeEvent',
        eventType: delivery.event.type,
        merchantId: applied.claim.merchantId,
        mode: delivery.mode,
        outcome: applied.outcome,
        processedAt: processedAt.toISOString(),
        expiresAt: Math.floor(processedAt.getTime() / 1000) + processedRecordDays * 86_400,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
    () => new AlreadyProcessed(),
  );
  try {
    await applied.transaction.commit();
    return 'stored';
  } catch (error) {
    if (error instanceof AlreadyProcessed) return 'duplicate';
    if (error instanceof ConflictError) return 'conflict';
    throw error;
  }
};

/**
 * Applies the event exactly once: a duplicate (even a concurrent one) fails on the record and
 * changes nothing. A changed claim, or a conflict with a concurrent change, re-runs the handler on
 * fresh reads; anything else that fails leaves nothing stored and asks Stripe to retry.
 */
const applyOnce = async (delivery: Delivery, handle: EventHandler): Promise<Answer> => {
  for (let attempt = 1; ; attempt++) {
    const result = await run(delivery, handle);
    switch (result.verdict) {
      case 'duplicate':
        return { status: 'duplicate', outcome: result.outcome };
      case 'ignored':
        claimHints.delete(delivery.hint);
        return { status: 'ignored', outcome: result.outcome };
      case 'stale':
        claimHints.set(delivery.hint, result.claim);
        if (attempt >= maxAttempts) throw new BusyError();
        continue;
    }
    const stored = await store(delivery, result);
    if (stored === 'stored') return { status: result.status, outcome: result.outcome };
    if (stored === 'duplicate') return { status: 'duplicate', outcome: (await processedRecord(delivery.event.id))?.outcome ?? 'processed' };
    // A concurrent sibling changed what the handler read (and if that sibling was this very
    // event, the next attempt finds its record and answers "duplicate"). A short random pause
    // keeps siblings that collided from colliding again at once.
    if (attempt >= maxAttempts) throw new BusyError();
    logger.info('Concurrent change while applying an event; retrying', { attempt });
    await sleep(Math.random() * 25 * attempt);
  }
};

/** Verifies a webhook delivery and applies it exactly once; the answer is logged once per event. */
export const receive = async (payload: Buffer, signature: string | undefined): Promise<IntakeResult> => {
  if (payload.length > maxWebhookBytes) throw new PayloadTooLargeError(maxWebhookBytes);
  const { body, signedFor } = verify(payload, signature, await getSecret('stripeWebhookSecrets'));
  return applyEvent(inSigningMode(envelope(body), signedFor), signedFor);
};

/**
 * Applies an event whose envelope was checked and whose `livemode` is `mode`'s, exactly once,
 * whichever way it came (webhook or EventBridge); the answer is logged once per event.
 */
export const applyEvent = async (event: Stripe.Event, mode: Mode): Promise<IntakeResult> => {
  logger.appendKeys({ stripeEventId: event.id, eventType: event.type });
  const answer = ({ status, outcome }: Answer): IntakeResult => {
    logger.info('Stripe event', { status, outcome });
    return { status, outcome, eventId: event.id, eventType: event.type };
  };

  const handle = handlerFor(event.type);
  if (!handle) return answer({ status: 'ignored', outcome: 'no handler for this event type' });
  if (!event.account) return answer({ status: 'ignored', outcome: 'not an event of a connected account' });
  const accountId = event.account;
  return answer(
    await applyOnce(
      { event, mode, accountId, claimKey: keys.stripeAccount(mode, accountId), recordKey: keys.stripeEvent(event.id), hint: `${mode}#${accountId}` },
      handle,
    ),
  );
};
