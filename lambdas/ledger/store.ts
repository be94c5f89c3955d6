import { ConflictError } from '../core/errors';
import type { Money } from '../core/money';
import type { ItemLookup } from '../store/batch';
import { keys } from '../store/keys';
import type { Transaction } from '../store/transaction';
import { type Book, type DisputeFact, emptyBook, type RefundFact } from './book';
import type { LedgerChanges } from './changes';
import type { DerivedCommission, DerivedPurchase, LedgerScope, StripeRefs } from './derive';
import type { CommissionState, LineType } from './lines';

/**
 * How the ledger sits in the table. The book is the only item the ledger's rules read; purchase
 * and commission items are its projections, rewritten (never patched) whenever the book changes,
 * in the same transaction, so they can never disagree with it.
 */

const concurrentChange = () => new ConflictError('ledger.concurrent_update', "The customer's ledger changed while this was applied; retry.");

type StoredFacts = Omit<Book, 'bookId' | 'version'>;

export const bookKey = (scope: LedgerScope, bookId: string) => keys.ledgerBook(scope.merchantId, scope.mode, bookId);

export const readBook = (found: ItemLookup, scope: LedgerScope, bookId: string, customerId: string | null): Book => {
  const item = found.get<{ facts: StoredFacts; version: number }>(bookKey(scope, bookId));
  return item ? { bookId, ...item.facts, version: item.version } : emptyBook(bookId, customerId);
};

/** The book, conditional on the version that was read: a concurrent event makes this one run again. */
export const writeBook = (transaction: Transaction, scope: LedgerScope, before: Book, after: Book): void => {
  const { bookId, version: _version, ...facts } = after;
  transaction.put(
    {
      Item: { ...bookKey(scope, bookId), type: 'ledgerBook', facts, version: before.version + 1 },
      ConditionExpression: before.version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
      ...(before.version === 0 ? {} : { ExpressionAttributeValues: { ':version': before.version } }),
    },
    concurrentChange,
  );
};

/**
 * A payment (`pi_…` or `ch_…`) as the ledger knows it: which book and purchase it belongs to, or,
 * until a purchase event says so, the refunds and disputes that arrived first and wait for it.
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
    {
      Item: { ...referenceKey(scope, ref), type: 'paymentReference', ref, ...after, version: before.version + 1 },
      ConditionExpression: before.version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
      ...(before.version === 0 ? {} : { ExpressionAttributeValues: { ':version': before.version } }),
    },
    concurrentChange,
  );
};

// ── Projections: what the API lists ─────────────────────────────────────────────────────────────

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
  /** What is still owed to the affiliate: negative after a refund of a paid commission. */
  balance: Money;
  lines: CommissionLineResource[];
  occurredAt: string;
  availableAt: string;
  holdDays: number;
  state: CommissionState;
}

const money = (amount: number, currency: string): Money => ({ amount, currency });

const purchaseResource = (scope: LedgerScope, purchase: DerivedPurchase): PurchaseResource => ({
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

const storedCommission = (scope: LedgerScope, commission: DerivedCommission): StoredCommission => {
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
  };
};

/** Adds the projections an event changed to its transaction. */
export const writeProjections = (
  transaction: Transaction,
  scope: LedgerScope,
  bookId: string,
  changes: Pick<LedgerChanges, 'purchases' | 'commissions'>,
): void => {
  const { merchantId, mode } = scope;
  for (const purchase of changes.purchases.put)
    transaction.put({
      Item: {
        ...keys.purchase(merchantId, mode, purchase.id),
        ...keys.purchaseByTime(merchantId, mode, purchase.occurredAt, purchase.id),
        type: 'purchase',
        ...purchaseResource(scope, purchase),
      },
    });
  for (const purchase of changes.purchases.remove) transaction.delete({ Key: keys.purchase(merchantId, mode, purchase.id) });
  for (const commission of changes.commissions.put)
    transaction.put({
      Item: {
        ...keys.commission(merchantId, mode, commission.id),
        ...keys.commissionByTime(merchantId, mode, commission.affiliateId, commission.occurredAt, commission.id),
        type: 'commission',
        ...storedCommission(scope, commission),
        // Where the commission's facts live, for payouts (which add to the book).
        bookId,
        purchaseKey: commission.key,
      },
    });
  for (const commission of changes.commissions.remove) transaction.delete({ Key: keys.commission(merchantId, mode, commission.id) });
};
