import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as Affiliates from '../affiliates/affiliate';
import type { Mode } from '../core/mode';
import { cancellationStats, purchaseStats } from '../ledger/changes';
import type { PurchaseItem, StoredCustomer } from '../ledger/store';
import { db, tableName } from '../store/db';
import { type KeyQuery, keys } from '../store/keys';
import { queryPage, queryRangePages } from '../store/query';
import { addCounters, type BucketCounters, bucketId, bucketOfItem, counterUpdate, difference, tally } from './counters';
import { type CounterFields, counterFieldsOf } from './fields';

/**
 * Recomputes a merchant-mode's counters from what they count — the ledger's books and the
 * affiliates — and compares them with the stored ones: the operator's answer to "are these
 * figures right?" (`npm run stats:rebuild`). Each purchase's figures are what the ledger counts
 * for what it derives to now (`purchaseStats`), and each customer's cancellations its ended
 * subscriptions, so a counter that missed, double-counted or was changed by hand shows up here.
 *
 * Visits and leads are not checked: they are counted as they are tracked, and the tracking store
 * keeps the latest visit per visitor and lead per e-mail, not every one.
 */
export const uncheckedFields: readonly string[] = ['visits', 'leads'];

type Counters = Map<string, BucketCounters>;

const checkedFields = (fields: CounterFields): CounterFields =>
  Object.fromEntries(Object.entries(fields).filter(([name]) => !uncheckedFields.includes(name)));

const stored = async (merchantId: string, mode: Mode): Promise<Counters> => {
  const counters: Counters = new Map();
  for (const range of keys.statsCounters(merchantId, mode))
    for await (const page of queryRangePages<Record<string, unknown>>(range))
      for (const item of page) {
        const bucket = bucketOfItem(merchantId, mode, item);
        if (bucket) addCounters(counters, bucket, checkedFields(counterFieldsOf(item)));
      }
  return counters;
};

/** Every item of one partition (of an index, or of the table), page by page. */
async function* everyItem<T>(key: KeyQuery, index?: 'gsi2'): AsyncGenerator<T> {
  let cursor: string | null = null;
  do {
    const page: { data: T[]; nextCursor: string | null } = await queryPage<T>({ key, ...(index ? { index } : {}) }, { limit: 100, ...(cursor ? { cursor } : {}) });
    yield* page.data;
    cursor = page.nextCursor;
  } while (cursor);
}

const recomputed = async (merchantId: string, mode: Mode): Promise<{ counters: Counters; books: number; affiliates: number }> => {
  const scope = { merchantId, mode };
  const counters: Counters = new Map();
  let books = 0;
  for (const shard of keys.ledgerCustomers(merchantId, mode))
    for await (const customer of everyItem<StoredCustomer>(shard, 'gsi2')) {
      books += 1;
      tally(cancellationStats(customer.summary.subscriptions, scope), counters);
      for await (const purchase of everyItem<PurchaseItem>(keys.ledgerPurchases(merchantId, mode, customer.bookId))) tally(purchaseStats(purchase.derived, scope), counters);
    }
  let affiliates = 0;
  let cursor: string | undefined;
  do {
    const page = await Affiliates.list(merchantId, { limit: 100, cursor });
    affiliates += page.data.length;
    // Affiliates belong to the program, not a mode: each counts in both modes' figures.
    tally(page.data.map((affiliate) => ({ merchantId, mode, at: affiliate.createdAt, newAffiliates: 1 })), counters);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { counters, books, affiliates };
};

export interface CounterDifference {
  bucket: BucketCounters['bucket'];
  field: string;
  stored: number;
  recomputed: number;
}

export interface RebuildReport {
  merchantId: string;
  mode: Mode;
  books: number;
  affiliates: number;
  differences: CounterDifference[];
}

/** Field by field, every counter that is not what the ledger says, in time order. */
export const differencesBetween = (storedCounters: Counters, recomputedCounters: Counters): CounterDifference[] =>
  [...difference(storedCounters, recomputedCounters)]
    .flatMap(([id, { bucket, fields }]) =>
      Object.entries(fields).map(([field, change]) => {
        const was = storedCounters.get(id)?.fields[field] ?? 0;
        return { bucket, field, stored: was, recomputed: was + change };
      }),
    )
    .sort((a, b) => a.bucket.period.localeCompare(b.bucket.period) || a.bucket.kind.localeCompare(b.bucket.kind) || a.field.localeCompare(b.field));

export const check = async (merchantId: string, mode: Mode): Promise<RebuildReport> => {
  // Counters first, then the ledger: a change landing between the two reads shows as a difference
  // that the next run no longer finds.
  const storedCounters = await stored(merchantId, mode);
  const { counters, books, affiliates } = await recomputed(merchantId, mode);
  return { merchantId, mode, books, affiliates, differences: differencesBetween(storedCounters, counters) };
};

const differenceId = ({ bucket, field, stored: was, recomputed: now }: CounterDifference) => `${bucketId(bucket)}|${field}|${now - was}`;

/**
 * The differences two checks in a row agree on. A change that lands between a check's two reads
 * shows as a difference once and is gone in the next check; correcting it would count it twice.
 */
export const confirmed = (first: RebuildReport, second: RebuildReport): RebuildReport => {
  const seen = new Set(first.differences.map(differenceId));
  return { ...second, differences: second.differences.filter((found) => seen.has(differenceId(found))) };
};

/**
 * Moves each wrong counter by its difference (an ADD, not an overwrite, so the increments of
 * events processed meanwhile are kept), on the first shard of a day.
 */
export const fix = async (report: RebuildReport): Promise<void> => {
  const corrections: Counters = new Map();
  for (const { bucket, field, stored: was, recomputed: now } of report.differences) addCounters(corrections, bucket, { [field]: now - was });
  for (const counters of corrections.values()) await db().send(new UpdateCommand({ TableName: tableName(), ...counterUpdate(counters, 0) }));
};
