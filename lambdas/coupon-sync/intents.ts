import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CouponCodeIntent, StoredAffiliate } from '../affiliates/affiliate';
import { ConflictError } from '../core/errors';
import type { Mode } from '../core/mode';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';

/**
 * The coupon sync's write-ahead. Stripe lists promotion codes by code but not by metadata, so a
 * sync notes on the affiliate the code it is about to make active — before the call, conditional
 * on the version it planned from — and every later sync of the affiliate reads the promotion codes
 * with each noted code. A sync that loses its race with a change of the affiliate (its record is
 * refused) has left its note behind, and the next attempt retires what it made.
 *
 * A note is settled by a sync's record once it is answered for: by the run that wrote it, once that
 * run's plan ran to its end (what it made is recorded or retired); by any run, once the note is
 * older than any run can last and that run read the account after it, so whatever the note's run
 * made was visible to the read. A concurrent run's fresh note is never settled by another.
 */

/** No run of the resync worker outlives Lambda's 15-minute limit: by then every write of its run is visible. */
export const intentLeaseMs = 15 * 60_000;

/** The notes about promotion codes on this account, which a sync must read along with the affiliate's own. */
export const openIntents = (affiliate: StoredAffiliate, mode: Mode, accountId: string): CouponCodeIntent[] =>
  (affiliate.couponSyncIntents?.[mode] ?? []).filter((intent) => intent.accountId === accountId);

export interface Settlement {
  accountId: string;
  /** The run that records. */
  run: string;
  /** Whether its plan ran to its end. */
  complete: boolean;
  /** When its last fresh read of the account began; undefined when it planned from a job's snapshot. */
  observedAt?: number;
}

/** The notes left after a run's record. Notes about another account are moot: Tally no longer acts on it. */
export const remainingIntents = (intents: readonly CouponCodeIntent[], settlement: Settlement): CouponCodeIntent[] =>
  intents.filter((intent) => {
    if (intent.accountId !== settlement.accountId) return false;
    if (!settlement.complete) return true;
    const answered = settlement.observedAt !== undefined && Date.parse(intent.at) < settlement.observedAt - intentLeaseMs;
    return intent.by !== settlement.run && !answered;
  });

/** The affiliate's notes with one mode's replaced, as stored (a mode without notes has no entry). */
export const withIntents = (affiliate: StoredAffiliate, mode: Mode, intents: readonly CouponCodeIntent[]): StoredAffiliate['couponSyncIntents'] => {
  const { [mode]: _replaced, ...others } = affiliate.couponSyncIntents ?? {};
  return intents.length > 0 ? { ...others, [mode]: [...intents] } : others;
};

/**
 * Notes a code before the run makes it active, unless the run noted it already. Returns the
 * affiliate as stored now (its version moved on); a concurrent change is a ConflictError, and the
 * run starts again from a fresh read.
 */
export const writeAhead = async (affiliate: StoredAffiliate, mode: Mode, intent: CouponCodeIntent): Promise<StoredAffiliate> => {
  const noted = affiliate.couponSyncIntents?.[mode] ?? [];
  if (noted.some((each) => each.by === intent.by && each.accountId === intent.accountId && each.code.toLowerCase() === intent.code.toLowerCase()))
    return affiliate;
  const intents = withIntents(affiliate, mode, [...noted, intent]);
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.affiliate(affiliate.merchantId, affiliate.id),
        UpdateExpression: 'SET couponSyncIntents = :intents, version = :next',
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':intents': intents, ':next': affiliate.version + 1, ':version': affiliate.version },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new ConflictError('affiliate.concurrent_update', 'The affiliate changed during its coupon sync.');
    throw error;
  }
  return { ...affiliate, couponSyncIntents: intents, version: affiliate.version + 1 };
};
