import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ConflictError } from '../core/errors';
import { logger } from '../core/logger';
import { batchGet } from '../store/batch';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import { Transaction } from '../store/transaction';
import { currentTerms, planFor, plansOf, Reads, settingsOf, stagePurchase } from './apply';
import { sameFacts } from './book';
import { purchaseStats } from './changes';
import { commissionedPosition, type PurchasePosition } from './customer';
import { derivePurchase, type LedgerScope, missingTerms } from './derive';
import type { CorrectMessage } from './jobs';
import { queueCorrection } from './jobs';
import { PagedWrites } from './pages';
import { checkCustomer, customerKey, readCustomer, type StoredCustomer, storedPurchase, writeCustomer } from './store';

/**
 * A customer's correction: after a change to the summary that reaches other purchases (an earlier
 * attribution, an earlier first payment, a subscription's end), every purchase of the customer is
 * derived again and written where it changed, a bounded page per transaction, each conditional on
 * the summary it was derived with. Run by the ledger queue (jobs.ts), resumable and idempotent: a
 * purchase already right is only read, and a summary that changes mid-way starts the pass again,
 * so at quiescence the ledger is what in-order delivery gives. While it is pending, the customer's
 * commissions are not payable (payouts.ts checks the customer item).
 *
 * When `first` may be wrong (the attribution reaches further back, a first payment went away), a
 * scan over every purchase recomputes it first; any event during the scan writes the customer
 * item, so a scan that missed it is repeated.
 */

const pageSize = 50;
/** Leaves room to queue the continuation before Lambda's timeout. */
const reserveMs = 8_000;

export type CorrectionOutcome = 'done' | 'continued';

type Scope = LedgerScope & { bookId: string };

/** The customer's purchase items, a page at a time, strongly consistent: the pass must see every write before it. */
async function* purchaseItems(scope: Scope) {
  const { pk, skPrefix } = keys.ledgerPurchases(scope.merchantId, scope.mode, scope.bookId);
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await db().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
        ConsistentRead: true,
        Limit: pageSize,
        ExclusiveStartKey: startKey,
      }),
    );
    yield (result.Items ?? []).map((item) => storedPurchase(item as Parameters<typeof storedPurchase>[0], item.purchaseKey as string));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
}

/** Recomputes `first` from every purchase, then records that the pass over them can start. */
const scan = async (scope: Scope, customer: StoredCustomer): Promise<void> => {
  let first: PurchasePosition | null = null;
  for await (const page of purchaseItems(scope))
    for (const purchase of page) {
      const position = purchase.facts ? commissionedPosition(purchase.key, purchase.facts, customer.summary) : null;
      if (position && (!first || position.at < first.at || (position.at === first.at && position.key < first.key))) first = position;
    }
  const transaction = new Transaction();
  writeCustomer(transaction, scope, customer, {
    summary: { ...customer.summary, first },
    correction: { requestedAt: (customer.correction as NonNullable<StoredCustomer['correction']>).requestedAt, scan: false },
    summaryChanged: true,
  });
  await transaction.commit();
};

/** Derives every purchase again under the customer's summary and writes those that changed. */
const pass = async (scope: Scope, customer: StoredCustomer, profile: Reads): Promise<number> => {
  const writes = new PagedWrites((transaction) => checkCustomer(transaction, scope, customer));
  const settings = settingsOf(profile.found, scope);
  for await (const page of purchaseItems(scope)) {
    const needing = [...new Set(page.flatMap((purchase) => (purchase.facts ? [missingTerms(purchase.facts, customer.summary)] : [])).filter((id): id is string => id !== null))];
    const terms = await currentTerms(scope, profile, settings, needing);
    const records = page.flatMap((purchase) => {
      if (!purchase.facts) return [];
      const affiliateId = missingTerms(purchase.facts, customer.summary);
      return [{ purchase, facts: affiliateId ? { ...purchase.facts, terms: terms.get(affiliateId) } : purchase.facts }];
    });
    const plans = await plansOf(scope, profile.found, records.map(({ facts }) => facts as NonNullable<typeof facts>));
    for (const { purchase, facts } of records) {
      const record = facts as NonNullable<typeof facts>;
      const derived = derivePurchase(scope, purchase.key, record, customer.summary, planFor(plans, record));
      // A purchase already right is only read.
      if (sameFacts(purchase.facts, record) && sameFacts(purchase.derived, derived)) continue;
      await writes.add(3, [...purchaseStats(purchase.derived, scope), ...purchaseStats(derived, scope)], (transaction) =>
        stagePurchase(transaction, scope, scope.bookId, purchase, record, derived),
      );
    }
  }
  await writes.flush();
  return writes.committed;
};

/** Ends the correction, unless the summary changed since the pass began (then it goes round again). */
const finish = async (scope: Scope, customer: StoredCustomer): Promise<boolean> => {
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: customerKey(scope, scope.bookId),
        UpdateExpression: 'REMOVE correction, gsi3pk, gsi3sk SET version = version + :one',
        ConditionExpression: 'summaryVersion = :summaryVersion',
        ExpressionAttributeValues: { ':one': 1, ':summaryVersion': customer.summaryVersion },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
};

export const correct = async (message: Omit<CorrectMessage, 'kind'>, remainingMs: () => number): Promise<CorrectionOutcome> => {
  const scope: Scope = { merchantId: message.merchantId, mode: message.mode, bookId: message.bookId };
  for (let round = 1; ; round++) {
    if (remainingMs() < reserveMs) {
      await queueCorrection(scope);
      return 'continued';
    }
    const profile = new Reads(batchGet);
    await profile.read([keys.merchant(scope.merchantId), customerKey(scope, scope.bookId)]);
    const customer = readCustomer(profile.found, scope, scope.bookId, null);
    if (!customer.correction) return 'done';
    try {
      if (customer.correction.scan) {
        await scan(scope, customer);
        continue;
      }
      const written = await pass(scope, customer, profile);
      if (await finish(scope, customer)) {
        logger.info('Ledger correction done', { bookId: scope.bookId, round, purchasesRewritten: written });
        return 'done';
      }
    } catch (error) {
      // The summary or a purchase changed under the pass: go round again on fresh reads.
      if (!(error instanceof ConflictError)) throw error;
    }
  }
};
