import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredAffiliate } from '../affiliates/affiliate';
import { get as getMerchant } from '../merchants/merchant';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import { connectedAccount } from './accounts';
import { openIntents } from './intents';
import * as Jobs from './job';
import { alreadyRecorded, desiredOf, knownOn, outcomeOf, planCouponSync } from './plan';
import * as Queue from './queue';
import { indexSnapshot, observedFor } from './snapshot';
import { listActivePromotionCodes, StripeRejected } from './stripe-objects';

/** A page and the job's root fill 99 of a transaction's 100 items (see Jobs.recordFanOutPage). */
const pageSize = 98;
/** Time kept back from the invocation to finish a page and queue the continuation. */
const reserveMs = 15_000;

interface AffiliatePage {
  affiliates: StoredAffiliate[];
  last: boolean;
}

/** The affiliates up to `upTo` after `after`, in ID order; the bound keeps every page the same on a rerun. */
export const affiliatesAfter = async (merchantId: string, upTo: string, after: string | undefined): Promise<AffiliatePage> => {
  const range = keys.affiliatesUpTo(merchantId, upTo);
  const result = await db().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': range.pk, ':from': range.skFrom, ':to': range.skTo },
      ExclusiveStartKey: after ? keys.affiliate(merchantId, after) : undefined,
      Limit: pageSize,
      ConsistentRead: true,
    }),
  );
  return { affiliates: (result.Items ?? []) as StoredAffiliate[], last: result.LastEvaluatedKey === undefined };
};

/**
 * A job's fan-out in one mode: reads the account's active promotion codes once (100 a page), then
 * walks the job's affiliates page by page. An affiliate that Stripe already shows as Tally recorded
 * it, with no active Tally code beside its current one and no noted code, is counted here, at no
 * cost in Stripe calls; every other one is queued with what the account showed for it (among it
 * each active code naming the affiliate in its metadata, which its sync retires), in
 * SendMessageBatch groups. Each page is recorded once, so a rerun (a redelivered
 * message, or the continuation when the invocation runs short of time) resumes where it stopped.
 */
export const fanOut = async (message: Queue.FanOutMessage, remainingMs: () => number): Promise<string> => {
  const { merchantId, mode, jobId } = message;
  const job = await Jobs.root(merchantId, jobId);
  const progress = job?.fanOut[mode];
  if (!job || !progress) return 'ignored: no such job in this mode';
  if (progress.done) return 'duplicate: this fan-out is done';

  const skip = async (reason: string) => {
    await Jobs.recordFanOutPage(job, mode, { after: progress.after, done: true, size: 0, counted: [] });
    return `skipped: ${reason}`;
  };
  const scope = connectedAccount(await getMerchant(merchantId), mode);
  if (!scope) return skip('Stripe is not connected in this mode');
  let promotionCodes;
  try {
    promotionCodes = await listActivePromotionCodes(scope);
  } catch (error) {
    // Stripe refuses the account itself (access revoked): the deauthorization event ends the connection.
    if (error instanceof StripeRejected) return skip(`Stripe refused to list the account's promotion codes: ${error.message}`);
    throw error;
  }
  const snapshot = indexSnapshot(promotionCodes);

  let after = progress.after;
  let queued = 0;
  for (;;) {
    const page = await affiliatesAfter(merchantId, job.affiliatesUpTo, after);
    const counted: Jobs.FanOutPage['counted'] = [];
    const messages: Queue.SyncMessage[] = [];
    for (const affiliate of page.affiliates) {
      const recorded = affiliate.couponSync[mode];
      const observed = observedFor(snapshot, affiliate);
      const plan = planCouponSync(desiredOf(merchantId, affiliate), knownOn(recorded, scope.accountId), observed);
      // A noted code may have been made after the snapshot was read: only a fresh read settles it.
      const settled = openIntents(affiliate, mode, scope.accountId).length === 0;
      if (settled && alreadyRecorded(recorded, plan, scope.accountId)) counted.push({ affiliateId: affiliate.id, outcome: outcomeOf(plan) });
      else messages.push({ kind: 'sync', merchantId, mode, affiliateId: affiliate.id, jobId, observed });
    }
    // Queued before the page is recorded: a crash in between sends them again, and the job's
    // markers make the second copies count for nothing.
    await Queue.sendAll(messages);
    queued += messages.length;
    const last = page.affiliates.at(-1)?.id;
    try {
      await Jobs.recordFanOutPage(job, mode, { after, last, done: page.last, size: page.affiliates.length, counted });
    } catch (error) {
      if (error instanceof Jobs.FanOutOvertaken) return 'stopped: another run of this fan-out is ahead';
      throw error;
    }
    if (page.last) return `fanned out: ${queued} affiliates queued`;
    after = last;
    if (remainingMs() < reserveMs) {
      await Queue.sendAll([message]);
      return `continues in a new message after ${queued} affiliates queued`;
    }
  }
};
