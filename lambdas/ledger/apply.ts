import { affiliateKeys, type AttributionEvidence, attributionKeys, decideAttribution, recordAttribution } from '../attribution/attribution';
import type { Affiliate } from '../affiliates/affiliate';
import { defaultSettings, type MerchantSettings } from '../merchants/merchant';
import { planFromProfile } from '../plans/plan';
import { countStatsChange } from '../stats/counters';
import { type Item, ItemLookup, uniqueKeys } from '../store/batch';
import { type Key, keys } from '../store/keys';
import type { Transaction } from '../store/transaction';
import type { EventContext } from '../webhooks/types';
import { candidates, customerAttribution, occurredAt } from './attribution';
import {
  type AttributionSource,
  type Book,
  canonical,
  type DisputeFact,
  type Evidence,
  type EvidenceSource,
  mergeDispute,
  mergedEvidence,
  mergeMap,
  mergeRefund,
  type PlanTerms,
  type PurchaseRecord,
  type PurchaseUpdate,
  type RefundFact,
  sameFacts,
  type SubscriptionFacts,
  type Terms,
  withPurchase,
  withSubscription,
} from './book';
import { type LedgerChanges, ledgerChanges, ledgerStats } from './changes';
import { deriveBook, type LedgerScope, missingTerms } from './derive';
import { bookKey, type PaymentReference, readBook, readReference, referenceKey, writeBook, writeProjections, writeReference } from './store';

/**
 * Applies one Stripe event to the ledger, inside the webhook intake's transaction: read what the
 * event needs in as few calls as possible (the intake adds its own keys to the first), merge the
 * event's facts into the customer's book, derive the ledger before and after, and write the book,
 * the projections that changed and the stats deltas — in the transaction that records the event,
 * conditional on the book's version, so an event applies once and concurrent siblings take turns
 * instead of losing updates.
 */

type Context = Pick<EventContext, 'merchantId' | 'mode' | 'transaction' | 'read'>;

const scopeOf = (context: Context): LedgerScope => ({ merchantId: context.merchantId, mode: context.mode });

/**
 * The event's reads so far, in one lookup that remembers the keys asked for: attribution decides
 * from them, and the ledger must be able to set one item aside (the customer's stored attribution).
 */
class Reads {
  readonly found = new ItemLookup();
  private readonly asked: Key[] = [];

  constructor(private readonly context: Context) {}

  /** Reads the keys not read yet (none: no call). */
  async read(more: readonly Key[]): Promise<ItemLookup> {
    const unread = uniqueKeys(more.filter((key) => !this.found.wasRead(key)));
    if (unread.length === 0) return this.found;
    this.asked.push(...unread);
    return this.context.read(unread, this.found);
  }

  /** The same reads, with one item treated as read and absent. */
  without(key: Key): ItemLookup {
    const kept = this.asked.flatMap((asked): Item[] => {
      const item = asked.pk === key.pk && asked.sk === key.sk ? undefined : this.found.get(asked);
      return item ? [item] : [];
    });
    return new ItemLookup().add(this.asked, kept);
  }
}

interface Profile {
  settings: MerchantSettings;
  item: Item | undefined;
}

const profileOf = (reads: Reads, scope: LedgerScope): Profile => {
  const item = reads.found.get(keys.merchant(scope.merchantId));
  return { item, settings: { ...defaultSettings, ...(item?.settings as Partial<MerchantSettings> | undefined) } };
};

const affiliateKey = (scope: LedgerScope, affiliateId: string) => keys.affiliate(scope.merchantId, affiliateId);

/**
 * Fills in the terms (plan, hold period, whether the affiliate is active) of every purchase whose
 * affiliate the book has none for, as they are now. Terms once set are kept, so a changed plan
 * applies from the next payment and commissions already earned keep their amounts.
 */
const withTerms = async (scope: LedgerScope, reads: Reads, profile: Profile, book: Book): Promise<Book> => {
  const missing = missingTerms(book);
  if (missing.length === 0) return book;
  const found = await reads.read(missing.map(({ affiliateId }) => affiliateKey(scope, affiliateId)));
  const planIdOf = (affiliateId: string) =>
    found.get<Affiliate>(affiliateKey(scope, affiliateId))?.commissionPlanId ?? profile.settings.defaultCommissionPlanId;
  // Plans are copied on the merchant's profile; only a plan older than the copy is read by key.
  await reads.read(
    missing
      .map(({ affiliateId }) => planIdOf(affiliateId))
      .filter((planId): planId is string => planId !== null && !planFromProfile(profile.item, planId))
      .map((planId) => keys.plan(scope.merchantId, planId)),
  );

  const termsFor = (affiliateId: string): Terms => {
    const planId = planIdOf(affiliateId);
    const plan = planId ? (planFromProfile(profile.item, planId) ?? found.get<PlanTerms>(keys.plan(scope.merchantId, planId))) : undefined;
    return {
      affiliateId,
      affiliateActive: found.get<Affiliate>(affiliateKey(scope, affiliateId))?.status === 'active',
      plan: plan ? { id: plan.id, name: plan.name, rate: plan.rate, paymentFor: plan.paymentFor, lineItemSkus: plan.lineItemSkus, recurring: plan.recurring } : null,
      holdDays: profile.settings.holdDays,
    };
  };
  const purchases = { ...book.purchases };
  for (const { key, affiliateId } of missing) purchases[key] = { ...(purchases[key] as PurchaseRecord), terms: termsFor(affiliateId) };
  return { ...book, purchases };
};

interface Commit {
  before: Book;
  after: Book;
  references?: { ref: string; before: PaymentReference; after: PaymentReference }[];
  /** The customer had no stored attribution when read: the book's, if it has one, becomes it. */
  recordCustomerAttribution?: boolean;
  /** What the event was, for its outcome; what changed in the ledger is added to it. */
  summary: string;
}

const describe = (summary: string, changes: LedgerChanges): string => {
  const parts = [
    ...changes.purchases.put.map((purchase) => `purchase ${purchase.id}${purchase.affiliateId ? ` credited to ${purchase.affiliateId}` : ''}`),
    ...changes.commissions.put.map((commission) => `commission ${commission.id} at ${commission.ledger.net} ${commission.currency} (${commission.ledger.state})`),
    ...changes.commissions.remove.map((commission) => `commission ${commission.id} withdrawn`),
  ];
  return parts.length ? `${summary}: ${parts.join('; ')}` : `${summary}; the ledger is unchanged`;
};

/**
 * Derives a book before and after a change and adds to the transaction everything that changed:
 * the book (conditional on the version read), its projections and the stats deltas.
 */
export const writeBookChange = (transaction: Transaction, scope: LedgerScope, before: Book, after: Book): LedgerChanges => {
  const [was, now] = [deriveBook(before, scope), deriveBook(after, scope)];
  const changes = ledgerChanges(was, now);
  if (!sameFacts(before, after)) writeBook(transaction, scope, before, after);
  writeProjections(transaction, scope, after.bookId, changes);
  // The counters move by the difference between the two ledgers' whole figures, so they always
  // equal what the ledger shows, whatever order the events came in: a commission a late first
  // payment takes away leaves the figures, instead of counting as earned and reversed.
  countStatsChange(transaction, ledgerStats(was, scope), ledgerStats(now, scope));
  return changes;
};

const commit = (context: Context, { before, after, references = [], recordCustomerAttribution, summary }: Commit): string => {
  const scope = scopeOf(context);
  const { transaction } = context;
  const changes = writeBookChange(transaction, scope, before, after);
  for (const reference of references) writeReference(transaction, scope, reference.ref, reference.before, reference.after);
  const attribution = recordCustomerAttribution ? customerAttribution(after) : null;
  if (attribution && after.customerId)
    recordAttribution(transaction, scope.merchantId, scope.mode, after.customerId, {
      affiliateId: attribution.affiliateId,
      source: attribution.source,
      attributedAt: attribution.at,
    });
  return describe(summary, changes);
};

/**
 * The payment references of a purchase: each takes the purchase as its target and hands over what
 * was parked under it. One that already points here with nothing parked needs no write.
 */
const adoptReferences = (reads: Reads, scope: LedgerScope, refs: readonly string[], target: { bookId: string; purchaseKey: string }) =>
  refs.flatMap((ref) => {
    const before = readReference(reads.found, scope, ref);
    const settled = sameFacts(before.target, target) && Object.keys(before.refunds).length === 0 && Object.keys(before.disputes).length === 0;
    return settled ? [] : [{ ref, before, after: { target, refunds: {}, disputes: {}, version: before.version } }];
  });

/** The evidence attribution decides on, in the attribution module's terms. */
const attributionEvidence = (customerId: string, evidence: Evidence, at: Date): AttributionEvidence => ({
  customerId,
  email: evidence.email ?? null,
  metadata: evidence.metadata ?? null,
  clientReferenceId: evidence.clientReferenceId ?? null,
  promotionCodes: evidence.promotionCodes ?? [],
  at,
});

interface StoredAttribution {
  affiliateId: string;
  source: AttributionSource;
  attributedAt: string;
}

export interface PurchaseEvent {
  bookId: string;
  customerId: string | null;
  purchaseKey: string;
  facts: PurchaseUpdate;
  /** This event's evidence for attribution, by source; the purchase's merged evidence is decided on. */
  evidence?: Partial<Record<EvidenceSource, Evidence>>;
  /** When Stripe sent the event: its facts are weighed against other reports by it. */
  observedAt: string;
  /** The payments (stripe-objects.ts `paymentReference`) that belong to this purchase. */
  references: string[];
  /** A subscription first heard of here: how it is tracked is decided now, from the setting. */
  subscription?: { id: string; startedAt: string };
  summary: string;
}

/**
 * A purchase event (invoice paid, checkout completed, charge succeeded). Three DynamoDB calls at
 * most in the usual case: the profile, book, payment references and attribution records with the
 * intake's own keys; then the affiliates that attribution and commission terms need; then the
 * transaction.
 */
export const recordPurchase = async (context: Context, event: PurchaseEvent): Promise<string> => {
  const scope = scopeOf(context);
  const { bookId, purchaseKey } = event;
  // A guest has no customer: its book stands in, so no customer's records can match it.
  const attributionCustomer = event.customerId ?? bookId;
  const reads = new Reads(context);
  await reads.read([
    keys.merchant(scope.merchantId),
    bookKey(scope, bookId),
    ...event.references.map((ref) => referenceKey(scope, ref)),
    ...(event.evidence ? attributionKeys(scope.merchantId, scope.mode, attributionEvidence(attributionCustomer, mergedEvidence({ evidence: event.evidence }), new Date(0))) : []),
  ]);
  const profile = profileOf(reads, scope);
  const before = readBook(reads.found, scope, bookId, event.customerId);

  const references = adoptReferences(reads, scope, event.references, { bookId, purchaseKey });
  const observed = Object.fromEntries(Object.entries(event.evidence ?? {}).map(([source, value]) => [source, { ...value, observedAt: event.observedAt }]));
  let after = withPurchase(before, purchaseKey, { ...event.facts, evidence: observed });
  for (const { before: parked } of references)
    after = withPurchase(after, purchaseKey, { kind: event.facts.kind, refunds: parked.refunds, disputes: parked.disputes });
  if (event.subscription && !after.subscriptions[event.subscription.id])
    after = withSubscription(after, event.subscription.id, unknownSubscription(profile.settings, event.subscription.startedAt));

  let recordCustomerAttribution = false;
  if (event.evidence) {
    const record = after.purchases[purchaseKey] as PurchaseRecord;
    const evidence = attributionEvidence(attributionCustomer, mergedEvidence(record), new Date(occurredAt(record) ?? event.observedAt));
    const stickyKey = keys.attribution(scope.merchantId, scope.mode, attributionCustomer);
    const decidedOn = canonical(evidence);
    // The merged evidence may hold more than this event's (a code an earlier event carried).
    await reads.read(attributionKeys(scope.merchantId, scope.mode, evidence));
    const sticky = event.customerId ? reads.found.get<StoredAttribution>(stickyKey) : undefined;
    after = { ...after, prior: sticky ? { affiliateId: sticky.affiliateId, source: sticky.source, at: sticky.attributedAt } : null };
    recordCustomerAttribution = event.customerId !== null && !sticky;

    // The purchase's own decision, from its evidence alone: the customer's stored attribution is a
    // candidate of its own (the prior), placed in time, rather than a verdict that hides the evidence.
    // Evidence already decided on (a second event of the same purchase) is not decided again.
    if (record.decidedOn !== decidedOn) {
      await reads.read([
        ...affiliateKeys(scope.merchantId, scope.mode, evidence, reads.without(stickyKey)),
        ...candidates(after).map((candidate) => affiliateKey(scope, candidate.affiliateId)),
      ]);
      const decision = decideAttribution(scope.merchantId, scope.mode, evidence, reads.without(stickyKey), profile.settings.cookieWindowDays);
      const candidate = decision.attribution
        ? { affiliateId: decision.attribution.affiliateId, source: decision.attribution.source, at: decision.attribution.attributedAt }
        : null;
      after = { ...after, purchases: { ...after.purchases, [purchaseKey]: { ...record, candidate, decidedOn } } };
    }
  }

  after = await withTerms(scope, reads, profile, after);
  return commit(context, { before, after, references, recordCustomerAttribution, summary: event.summary });
};

/** A subscription known only from one of its invoices: tracked by today's setting; its own events fill in the rest. */
const unknownSubscription = (settings: MerchantSettings, startedAt: string): SubscriptionFacts => ({
  trackedBy: settings.subscriptionTracking,
  startedAt,
  trialEndsAt: null,
  endedAt: null,
  cancelAt: null,
  // Older than any event, so any report of the subscription's own replaces these fields.
  observedAt: new Date(0).toISOString(),
});

export interface PaymentEvent {
  /** The payment's reference (stripe-objects.ts `paymentReference`). */
  reference: string;
  /** The customer, when the event names one: its book is read in the first call. */
  customerId: string | null;
  refunds?: Record<string, RefundFact>;
  disputes?: Record<string, DisputeFact>;
  summary: string;
}

/**
 * A refund or dispute, applied to the purchase its payment belongs to. A payment Tally has not
 * recorded yet keeps it under its reference until the purchase event arrives and takes it in:
 * never dropped, never applied twice.
 */
export const recordPaymentChange = async (context: Context, event: PaymentEvent): Promise<string> => {
  const scope = scopeOf(context);
  const reads = new Reads(context);
  const { reference: ref } = event;
  await reads.read([keys.merchant(scope.merchantId), referenceKey(scope, ref), ...(event.customerId ? [bookKey(scope, event.customerId)] : [])]);
  const reference = readReference(reads.found, scope, ref);
  const target = reference.target;
  if (!target) {
    const parked: PaymentReference = {
      refunds: mergeMap(reference.refunds, event.refunds, mergeRefund),
      disputes: mergeMap(reference.disputes, event.disputes, mergeDispute),
      version: reference.version,
    };
    if (sameFacts(parked, reference)) return `parked: ${event.summary} already waits for its payment ${ref}`;
    writeReference(context.transaction, scope, ref, reference, parked);
    return `parked: ${event.summary} waits for its payment ${ref} to be recorded`;
  }
  await reads.read([bookKey(scope, target.bookId)]);
  const before = readBook(reads.found, scope, target.bookId, null);
  const kind = before.purchases[target.purchaseKey]?.kind ?? 'payment';
  const after = withPurchase(before, target.purchaseKey, { kind, refunds: event.refunds, disputes: event.disputes });
  return commit(context, { before, after: await withTerms(scope, reads, profileOf(reads, scope), after), summary: event.summary });
};

export interface SubscriptionEvent {
  customerId: string;
  subscriptionId: string;
  /** The subscription's facts; how it is tracked is decided here when the book does not know it yet. */
  facts: Omit<SubscriptionFacts, 'trackedBy'>;
  /** The billing period the event shows: a purchase when the subscription is tracked by period. */
  period: NonNullable<PurchaseUpdate['period']>;
  summary: string;
}

/** A subscription's start, change or end: its dates, and its billing periods when tracked by period. */
export const recordSubscription = async (context: Context, event: SubscriptionEvent): Promise<string> => {
  const scope = scopeOf(context);
  const reads = new Reads(context);
  await reads.read([keys.merchant(scope.merchantId), bookKey(scope, event.customerId)]);
  const profile = profileOf(reads, scope);
  const before = readBook(reads.found, scope, event.customerId, event.customerId);
  const trackedBy = before.subscriptions[event.subscriptionId]?.trackedBy ?? profile.settings.subscriptionTracking;
  let after = withSubscription(before, event.subscriptionId, { ...event.facts, trackedBy });
  if (trackedBy === 'subscription_period')
    after = withPurchase(after, `${event.subscriptionId}@${event.period.startsAt}`, { kind: 'period', period: event.period });
  after = await withTerms(scope, reads, profile, after);
  return commit(context, { before, after, summary: event.summary });
};
