import { randomInt } from 'node:crypto';
import type { Money } from '../core/money';
import type { Mode } from '../core/mode';
import { counterShards, type Key, keys } from '../store/keys';
import type { Transaction } from '../store/transaction';
import { addFields, amountField, type AmountField, type CounterFields } from './fields';

export interface StatsDelta {
  merchantId: string;
  mode: Mode;
  /** When the counted thing happened (purchase/refund/etc. time, not processing time); its UTC day is the bucket. */
  at: Date | string;
  /** The affiliate credited, for the per-affiliate breakdown; null/undefined = unattributed. */
  affiliateId?: string | null;
  sales?: { count: number; amount: Money }; // a purchase: count 1 (amount may be 0 for $0 invoices)
  refunds?: { count: number; amount: Money }; // a refund of a purchase
  commissionsEarned?: Money; // commission earned (positive)
  commissionsReversed?: Money; // commission taken back by an adjustment or reversal (positive number)
  cancellations?: number;
  visits?: number;
  leads?: number;
  newAffiliates?: number;
}



export type BucketKind = 'day' | 'affiliateDay' | 'affiliateMonth';

/** One counter item's identity: a merchant-mode's day, or one affiliate's day or month. */
export interface CounterBucket {
  kind: BucketKind;
  merchantId: string;
  mode: Mode;
  /** `YYYY-MM-DD` for days, `YYYY-MM` for months (UTC). */
  period: string;
  affiliateId?: string;
}

export interface BucketCounters {
  bucket: CounterBucket;
  fields: CounterFields;
}

const itemTypes: Record<BucketKind, string> = {
  day: 'statsDay',
  affiliateDay: 'statsAffiliateDay',
  affiliateMonth: 'statsAffiliateMonth',
};

export const bucketId = ({ kind, merchantId, mode, period, affiliateId }: CounterBucket): string =>
  [kind, merchantId, mode, period, affiliateId ?? ''].join('|');

/** The bucket a stored counter item counts for (any of its shards gives the bucket). */
export const bucketOfItem = (merchantId: string, mode: Mode, item: Record<string, unknown>): CounterBucket | undefined => {
  const kind = (Object.keys(itemTypes) as BucketKind[]).find((candidate) => itemTypes[candidate] === item.type);
  if (!kind || typeof item.period !== 'string') return undefined;
  return { kind, merchantId, mode, period: item.period, ...(typeof item.affiliateId === 'string' ? { affiliateId: item.affiliateId } : {}) };
};

const isCount = (value: number) => Number.isSafeInteger(value) && value >= 0;

/** A malformed delta is a bug in the caller, so it fails the whole transaction loudly. */
const checked = (delta: StatsDelta, field: string, value: number): number => {
  if (!isCount(value)) throw new Error(`StatsDelta.${field} must be a non-negative integer (merchant ${delta.merchantId})`);
  return value;
};

const currencyOf = (delta: StatsDelta, field: string, money: Money): string => {
  const currency = money.currency.toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) throw new Error(`StatsDelta.${field} has no ISO currency (merchant ${delta.merchantId})`);
  return currency;
};

/** `at` as its UTC day. */
const utcDay = (at: Date | string): string => {
  const time = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(time.getTime())) throw new Error(`Not a valid time: ${String(at)}`);
  return time.toISOString().slice(0, 10);
};

/** The counter increments of one delta; zero increments are left out, so they create nothing. */
export const fieldsOf = (delta: StatsDelta): CounterFields => {
  const fields: CounterFields = {};
  const add = (name: string, value: number) => {
    if (value !== 0) fields[name] = (fields[name] ?? 0) + value;
  };
  const addMoney = (field: AmountField, money?: Money) => {
    if (money) add(amountField(field, currencyOf(delta, field, money)), checked(delta, field, money.amount));
  };
  if (delta.sales) add('salesCount', checked(delta, 'sales.count', delta.sales.count));
  addMoney('salesAmount', delta.sales?.amount);
  if (delta.refunds) add('refundsCount', checked(delta, 'refunds.count', delta.refunds.count));
  addMoney('refundsAmount', delta.refunds?.amount);
  addMoney('commissionsEarned', delta.commissionsEarned);
  addMoney('commissionsReversed', delta.commissionsReversed);
  for (const field of ['cancellations', 'visits', 'leads', 'newAffiliates'] as const) {
    const value = delta[field];
    if (value !== undefined) add(field, checked(delta, field, value));
  }
  return fields;
};

/**
 * The buckets one delta counts in: the day's totals and, when an affiliate is credited, that
 * affiliate's day and month (the top-affiliates list of a long period reads months, not days).
 */
export const bucketsOf = (delta: StatsDelta): CounterBucket[] => {
  const day = utcDay(delta.at);
  const { merchantId, mode } = delta;
  const buckets: CounterBucket[] = [{ kind: 'day', merchantId, mode, period: day }];
  if (delta.affiliateId) {
    const affiliateId = delta.affiliateId;
    buckets.push(
      { kind: 'affiliateDay', merchantId, mode, period: day, affiliateId },
      { kind: 'affiliateMonth', merchantId, mode, period: day.slice(0, 7), affiliateId },
    );
  }
  return buckets;
};

/** Adds counters into a map of counter items, merging entries for the same item. */
export const addCounters = (into: Map<string, BucketCounters>, bucket: CounterBucket, fields: CounterFields) => {
  const id = bucketId(bucket);
  const entry = into.get(id) ?? { bucket, fields: {} };
  addFields(entry.fields, fields);
  into.set(id, entry);
};

/** Merges deltas into one entry per counter item; empty deltas count nowhere. */
export const tally = (deltas: Iterable<StatsDelta>, into = new Map<string, BucketCounters>()): Map<string, BucketCounters> => {
  for (const delta of deltas) {
    const fields = fieldsOf(delta);
    if (Object.keys(fields).length === 0) continue;
    for (const bucket of bucketsOf(delta)) addCounters(into, bucket, fields);
  }
  return into;
};

const withoutZeros = (fields: CounterFields): CounterFields => Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== 0));

/**
 * `after` minus `before`, per counter item, in signed figures; items whose figures are equal are
 * left out. What a recomputed ledger changes in the counters, and what a rebuild finds wrong.
 */
export const difference = (before: Map<string, BucketCounters>, after: Map<string, BucketCounters>): Map<string, BucketCounters> => {
  const change = new Map<string, BucketCounters>();
  for (const { bucket, fields } of after.values()) addCounters(change, bucket, fields);
  for (const { bucket, fields } of before.values())
    addCounters(change, bucket, Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, -value])));
  for (const [id, entry] of change) {
    entry.fields = withoutZeros(entry.fields);
    if (Object.keys(entry.fields).length === 0) change.delete(id);
  }
  return change;
};

const keyOf = (bucket: CounterBucket, shard: number): Key => {
  const { merchantId, mode, period, affiliateId = '' } = bucket;
  if (bucket.kind === 'day') return keys.statsDay(merchantId, mode, period, shard);
  if (bucket.kind === 'affiliateDay') return keys.statsAffiliateDay(merchantId, mode, period, affiliateId, shard);
  return keys.statsAffiliateMonth(merchantId, mode, period, affiliateId, shard);
};

/** One item's update: ADD creates missing counters at zero, so the first event of a day needs no put. */
export const counterUpdate = ({ bucket, fields }: BucketCounters, shard: number) => {
  const names: Record<string, string> = { '#type': 'type', '#period': 'period' };
  const values: Record<string, unknown> = { ':type': itemTypes[bucket.kind], ':period': bucket.period };
  const sets = ['#type = :type', '#period = :period'];
  if (bucket.affiliateId) {
    names['#affiliateId'] = 'affiliateId';
    values[':affiliateId'] = bucket.affiliateId;
    sets.push('#affiliateId = :affiliateId');
  }
  const adds = Object.entries(fields).map(([name, value], index) => {
    names[`#c${index}`] = name;
    values[`:c${index}`] = value;
    return `#c${index} :c${index}`;
  });
  return {
    Key: keyOf(bucket, shard),
    UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
};

/** The counters each open transaction will write, merged as they are counted. */
const pending = new WeakMap<Transaction, Map<string, BucketCounters>>();

/** The transaction's counters; the first use arranges for them to be written when it commits. */
const pendingCounters = (transaction: Transaction): Map<string, BucketCounters> => {
  const existing = pending.get(transaction);
  if (existing) return existing;
  const counters = new Map<string, BucketCounters>();
  pending.set(transaction, counters);
  transaction.beforeCommit(() => {
    pending.delete(transaction);
    for (const { bucket, fields } of counters.values()) {
      const changed = withoutZeros(fields);
      // A random shard (store/keys.ts `counterShards`, each its own partition): concurrent webhooks of
      // one merchant rarely contend for an item (a transaction that meets another on one is
      // cancelled, not queued) and no partition takes a whole merchant's counter writes.
      if (Object.keys(changed).length > 0) transaction.update(counterUpdate({ bucket, fields: changed }, randomInt(counterShards)));
    }
  });
  return counters;
};

/**
 * Adds the counter updates for one delta to a transaction (so counters change with the ledger,
 * atomically). Call it as often as the transaction needs: every delta given to one transaction is
 * merged and written just before it commits, one update per counter item, because DynamoDB
 * refuses a transaction that touches an item twice. Each distinct day adds one item, plus two per
 * credited affiliate and day, toward the transaction's limit of 100. A malformed delta throws here,
 * in the caller, and counts nothing.
 */
export function countStats(transaction: Transaction, delta: StatsDelta): void {
  tally([delta], pendingCounters(transaction));
}

/**
 * For a ledger that is worked out again from its facts: give what the stats deltas of the records
 * were before the change and what they are after, and the transaction moves the counters by the
 * difference (which may be negative: a refund that failed, a purchase credited to another
 * affiliate). Merges with countStats calls on the same transaction.
 */
export function countStatsChange(transaction: Transaction, before: Iterable<StatsDelta>, after: Iterable<StatsDelta>): void {
  const counters = pendingCounters(transaction);
  for (const { bucket, fields } of difference(tally(before), tally(after)).values()) addCounters(counters, bucket, fields);
}
