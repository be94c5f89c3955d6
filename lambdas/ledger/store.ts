import { ConflictError } from '../core/errors';
import type { Money } from '../core/money';
import type { ItemLookup } from '../store/batch';
import { type CommissionBucket, keys } from '../store/keys';
import type { Transaction } from '../store/transaction';
import type { DisputeFact, PurchaseRecord, RefundFact } from './book';
import { type CustomerSummary, emptySummary } from './customer';
import { type DerivedCommission, type DerivedLedger, type DerivedPurchase, type LedgerScope, nothingDerived, type StripeRefs } from './derive';
import type { CommissionState, LineType } from './lines';

/**
 * How the ledger sits in the table (store/keys.ts has the keys). Per customer: one small customer
 * item (the summary the rules across purchases need) and one item per purchase (its facts, what
 * they derive to, and the purchase as the API lists it). Per commission: an item of its own, keyed
 * by its ID, rewritten (never patched) in the transaction that changes its purchase, so the two can
 * never disagree. Every write is conditional on the version that was read, so an event applies
 * once and concurrent siblings take turns instead of losing updates.
 */

const concurrentChange = () => new ConflictError('ledger.concurrent_update', "The customer's ledger changed while this was applied; retry.");

/** Optimistic locking on a `version` attribute: a new item must not exist yet. */
const versioned = (version: number) =>
  version === 0 ? { ConditionExpression: 'attribute_not_exists(pk)' } : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': version } };

// ── The customer ──────────────────────────────────────────────────────────────────────────────

/** A correction of the customer's other purchases is pending (correction.ts). */
export interface PendingCorrection {
  requestedAt: string;
  /** `first` must be recomputed from every purchase before they are derived again. */
  scan: boolean;
}

export interface StoredCustomer {
  bookId: string;
  summary: CustomerSummary;
  /** Moves with every write of the item. */
  version: number;
  /** Moves only when the summary changes: what a purchase was derived with is still current while it holds. */
  summaryVersion: number;
  correction: PendingCorrection | null;
}

export const customerKey = (scope: LedgerScope, bookId: string) => keys.ledgerCustomer(scope.merchantId, scope.mode, bookId);

export const readCustomer = (found: ItemLookup, scope: LedgerScope, bookId: string, customerId: string | null): StoredCustomer => {
  const item = found.get<StoredCustomer>(customerKey(scope, bookId));
  if (!item) return { bookId, summary: emptySummary(customerId), version: 0, summaryVersion: 0, correction: null };
  return { bookId, summary: item.summary, version: item.version, summaryVersion: item.summaryVersion, correction: item.correction ?? null };
};

/** The customer item with a new summary and/or correction, conditional on the version read. */
export const writeCustomer = (
  transaction: Transaction,
  scope: LedgerScope,
  before: StoredCustomer,
  after: { summary: CustomerSummary; correction: PendingCorrection | null; summaryChanged: boolean },
): void => {
  const { merchantId, mode } = scope;
  transaction.put(
    {
      Item: {
        ...customerKey(scope, before.bookId),
        ...keys.ledgerCustomerIndex(merchantId, mode, before.bookId),
        ...(after.correction ? keys.ledgerCorrectionPending(after.correction.requestedAt, merchantId, mode, before.bookId) : {}),
        type: 'ledgerCustomer',
        merchantId,
        mode,
        bookId: before.bookId,
        summary: after.summary,
        version: before.version + 1,
        summaryVersion: before.summaryVersion + (after.summaryChanged ? 1 : 0),
        ...(after.correction ? { correction: after.correction } : {}),
      },
      ...versioned(before.version),
    },
    concurrentChange,
  );
};

/** That the summary a purchase was derived with is still the customer's (nothing written). */
export const checkCustomer = (transaction: Transaction, scope: LedgerScope, before: StoredCustomer): void => {
  transaction.check(
    {
      Key: customerKey(scope, before.bookId),
      ...(before.version === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'summaryVersion = :summaryVersion', ExpressionAttributeValues: { ':summaryVersion': before.summaryVersion } }),
    },
    concurrentChange,
  );
};

// ── Purchases ─────────────────────────────────────────────────────────────────────────────────

export interface StoredPurchase {
  key: string;
  /** Undefined until the first fact of the purchase arrives. */
  facts: PurchaseRecord | undefined;
  /** What the facts derive to now: the purchase and commission the API shows. */
  derived: DerivedLedger;
  version: number;
}

export const purchaseKey = (scope: LedgerScope, bookId: string, key: string) => keys.ledgerPurchase(scope.merchantId, scope.mode, bookId, key);

export interface PurchaseItem {
  purchaseKey: string;
  facts: PurchaseRecord;
  derived: DerivedLedger;
  version: number;
}

export const storedPurchase = (item: PurchaseItem | undefined, key: string): StoredPurchase =>
  item ? { key, facts: item.facts, derived: item.derived, version: item.version } : { key, facts: undefined, derived: nothingDerived, version: 0 };

export const readPurchase = (found: ItemLookup, scope: LedgerScope, bookId: string, key: string): StoredPurchase =>
  storedPurchase(found.get<PurchaseItem>(purchaseKey(scope, bookId, key)), key);

// ── What the API lists ────────────────────────────────────────────────────────────────────────

export interface PurchaseResource {
  id: string;
  mode: LedgerScope['mode'];
  affiliateId: string | null;
  attribution: { source: DerivedPurchase['source'] };
  stripe: StripeRefs;
  total: Money;
  commissionable: Money;
  refunded: Money;
  lines: { productId: string | null; amount: Money }[];
  occurredAt: string;
  commissionId: string | null;
  noCommissionReason: string | null;
}

export interface CommissionLineResource {
  type: LineType;
  amount: Money;
  reason: string;
  at: string;
}

/** A commission as stored: its status is worked out when it is read (status.ts). */
export interface StoredCommission {
  id: string;
  mode: LedgerScope['mode'];
  affiliateId: string;
  purchaseId: string;
  /** Earned net of refunds and reversals. */
  amount: Money;
  paid: Money;
  /** What is still owed to the affiliate: negative after a refund of a paid commission (a clawback). */
  balance: Money;
  lines: CommissionLineResource[];
  occurredAt: string;
  availableAt: string;
  holdDays: number;
  state: CommissionState;
  plan: { id: string; version: number } | null;
  /** Where its facts live. */
  bookId: string;
  purchaseKey: string;
}

const money = (amount: number, currency: string): Money => ({ amount, currency });

export const purchaseResource = (scope: LedgerScope, purchase: DerivedPurchase): PurchaseResource => ({
  id: purchase.id,
  mode: scope.mode,
  affiliateId: purchase.affiliateId,
  attribution: { source: purchase.source },
  stripe: purchase.stripe,
  total: money(purchase.total, purchase.currency),
  commissionable: money(purchase.commissionable, purchase.currency),
  refunded: money(purchase.refunded, purchase.currency),
  lines: purchase.lines.map((line) => ({ productId: line.productId, amount: money(line.amount, purchase.currency) })),
  occurredAt: purchase.occurredAt,
  commissionId: purchase.commissionId,
  noCommissionReason: purchase.noCommissionReason,
});

export const storedCommission = (scope: LedgerScope, bookId: string, commission: DerivedCommission): StoredCommission => {
  const { ledger, currency } = commission;
  return {
    id: commission.id,
    mode: scope.mode,
    affiliateId: commission.affiliateId,
    purchaseId: commission.purchaseId,
    amount: money(ledger.net, currency),
    paid: money(ledger.paid, currency),
    balance: money(ledger.net - ledger.paid, currency),
    lines: ledger.lines.map(({ type, amount, reason, at }) => ({ type, amount: money(amount, currency), reason, at })),
    occurredAt: commission.occurredAt,
    availableAt: commission.availableAt,
    holdDays: commission.holdDays,
    state: ledger.state,
    plan: commission.plan,
    bookId,
    purchaseKey: commission.key,
  };
};

/** The index bucket of a commission: its state, and a paid one owing money back is a clawback. */
export const bucketOf = (commission: Pick<StoredCommission, 'state' | 'balance'>): CommissionBucket =>
  commission.state === 'paid' ? (commission.balance.amount < 0 ? 'clawback' : 'paid') : commission.state;

/**
 * Where a commission sorts within its status bucket. An open one sorts by when it becomes payable,
 * so pending and approved are two ranges of one partition: `A<occurredAt>` for a hold of 0 days
 * (approved at once, whatever the clock says) sorts before every `H<availableAt>`, and approved
 * is everything up to `H<now>~` (status.ts `approvedUpTo`).
 */
export const statusSortKey = (commission: Pick<StoredCommission, 'state' | 'holdDays' | 'availableAt' | 'occurredAt'>): string =>
  commission.state !== 'open' ? commission.occurredAt : commission.holdDays > 0 ? `H${commission.availableAt}` : `A${commission.occurredAt}`;

// ── Writes of one purchase's change ───────────────────────────────────────────────────────────

/** The purchase item with its new facts and what they derive to, conditional on its version. */
export const writePurchase = (transaction: Transaction, scope: LedgerScope, bookId: string, before: StoredPurchase, facts: PurchaseRecord, derived: DerivedLedger): void => {
  const { merchantId, mode } = scope;
  const listed = derived.purchase;
  transaction.put(
    {
      Item: {
        ...purchaseKey(scope, bookId, before.key),
        ...(listed ? { ...keys.purchaseByTime(merchantId, mode, listed.occurredAt, listed.id), ...purchaseResource(scope, listed) } : {}),
        type: 'purchase',
        bookId,
        purchaseKey: before.key,
        facts,
        derived,
        version: before.version + 1,
      },
      ...versioned(before.version),
    },
    concurrentChange,
  );
};

/** The commission item as derived now: rewritten whole, or deleted when the purchase no longer earns one. */
export const writeCommission = (transaction: Transaction, scope: LedgerScope, bookId: string, before: DerivedCommission | null, after: DerivedCommission | null): void => {
  const { merchantId, mode } = scope;
  if (after) {
    const stored = storedCommission(scope, bookId, after);
    transaction.put({
      Item: {
        ...keys.commission(merchantId, mode, after.id),
        ...keys.commissionIndexes(merchantId, mode, { ...stored, bucket: bucketOf(stored), statusAt: statusSortKey(stored) }),
        type: 'commission',
        ...stored,
      },
    });
  } else if (before) transaction.delete({ Key: keys.commission(merchantId, mode, before.id) });
};

// ── Payment references ────────────────────────────────────────────────────────────────────────

/**
 * A payment (`pi_…` or `ch_…`) as the ledger knows it: which customer and purchase it belongs to,
 * or, until a purchase event says so, the refunds and disputes that arrived first and wait for it.
 */
export interface PaymentReference {
  target?: { bookId: string; purchaseKey: string };
  refunds: Record<string, RefundFact>;
  disputes: Record<string, DisputeFact>;
  version: number;
}

export const referenceKey = (scope: LedgerScope, ref: string) => keys.ledgerReference(scope.merchantId, scope.mode, ref);

export const readReference = (found: ItemLookup, scope: LedgerScope, ref: string): PaymentReference => {
  const item = found.get<PaymentReference>(referenceKey(scope, ref));
  if (!item) return { refunds: {}, disputes: {}, version: 0 };
  return { ...(item.target ? { target: item.target } : {}), refunds: item.refunds, disputes: item.disputes, version: item.version };
};

export const writeReference = (transaction: Transaction, scope: LedgerScope, ref: string, before: PaymentReference, after: PaymentReference): void => {
  transaction.put(
    { Item: { ...referenceKey(scope, ref), type: 'paymentReference', ref, ...after, version: before.version + 1 }, ...versioned(before.version) },
    concurrentChange,
  );
};
