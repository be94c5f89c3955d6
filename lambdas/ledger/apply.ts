import { affiliateKeys, type Attribution, type AttributionEvidence, attributionKeys, decideAttribution, recordAttribution } from '../attribution/attribution';
import type { Affiliate } from '../affiliates/affiliate';
import { defaultSettings, type MerchantSettings } from '../merchants/merchant';
import { planVersionKey, planVersions, versionOfHead } from '../plans/plan';
import { countStatsChange } from '../stats/counters';
import { type Item, ItemLookup, uniqueKeys } from '../store/batch';
import { type Key, keys } from '../store/keys';
import type { Transaction } from '../store/transaction';
import type { EventContext } from '../webhooks/types';
import { occurredAt } from './attribution';
import {
  canonical,
  type DisputeFact,
  type Evidence,
  type EvidenceSource,
  mergeDispute,
  mergedEvidence,
  mergeMap,
  mergePurchase,
  mergeRefund,
  type PlanTerms,
  type PurchaseRecord,
  type PurchaseUpdate,
  type RefundFact,
  sameFacts,
  type SubscriptionFacts,
  type Terms,
} from './book';
import { cancellationStats, purchaseStats } from './changes';
import { queueCorrection } from './jobs';
import { type CustomerSummary, type SummaryChange, summaryAfter } from './customer';
import { type DerivedLedger, derivePurchase, type LedgerScope, missingTerms } from './derive';
import {
  checkCustomer,
  customerKey,
  type PaymentReference,
  purchaseKey,
  readCustomer,
  readPurchase,
  readReference,
  referenceKey,
  type StoredCustomer,
  type StoredPurchase,
  writeCommission,
  writeCustomer,
  writePurchase,
  writeReference,
} from './store';

/**
 * Applies one Stripe event to the ledger, inside the webhook intake's transaction: read what the
 * event needs in as few calls as possible (the intake adds its own keys to the first), merge the
 * event's facts into its purchase, bring the customer's summary up to date, derive the purchase
 * again and write what changed — the purchase, its commission, the customer item and the stats
 * deltas — in the transaction that records the event. An event reads and writes a bounded number
 * of small items whatever the customer's history; when it changes what other purchases of the
 * customer derive to, it records a correction, which the ledger queue carries out (correction.ts).
 */

type Context = Pick<EventContext, 'merchantId' | 'mode' | 'transaction' | 'read'>;
type Read = (keys: readonly Key[], into?: ItemLookup) => Promise<ItemLookup>;

const scopeOf = (context: Context): LedgerScope => ({ merchantId: context.merchantId, mode: context.mode });

/**
 * The event's reads so far, in one lookup that remembers the keys asked for: attribution decides
 * from them, and the ledger must be able to set one item aside (the customer's stored attribution).
 */
export class Reads {
  readonly found = new ItemLookup();
  private readonly asked: Key[] = [];

  constructor(private readonly source: Read) {}

  /** Reads the keys not read yet (none: no call). */
  async read(more: readonly Key[]): Promise<ItemLookup> {
    const unread = uniqueKeys(more.filter((key) => !this.found.wasRead(key)));
    if (unread.length === 0) return this.found;
    this.asked.push(...unread);
    return this.source(unread, this.found);
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

export const settingsOf = (found: ItemLookup, scope: LedgerScope): MerchantSettings => ({
  ...defaultSettings,
  ...(found.get(keys.merchant(scope.merchantId))?.settings as Partial<MerchantSettings> | undefined),
});

const affiliateKey = (scope: LedgerScope, affiliateId: string) => keys.affiliate(scope.merchantId, affiliateId);
const defaultPlanKeys = (scope: LedgerScope, settings: MerchantSettings): Key[] =>
  settings.defaultCommissionPlanId ? [keys.plan(scope.merchantId, settings.defaultCommissionPlanId)] : [];

/**
 * The terms (plan version, hold period, whether the affiliate is active) of affiliates as they are
 * now, for purchases credited to an affiliate they have no terms for. Terms once set are kept, so a
 * changed plan applies from the next payment and commissions already earned keep their amounts.
 * Reads what `reads` does not have yet: the affiliates, then the plans they name.
 */
export const currentTerms = async (scope: LedgerScope, reads: Reads, settings: MerchantSettings, affiliateIds: readonly string[]): Promise<Map<string, Terms>> => {
  if (affiliateIds.length === 0) return new Map();
  await reads.read([...affiliateIds.map((affiliateId) => affiliateKey(scope, affiliateId)), ...defaultPlanKeys(scope, settings)]);
  const planIdOf = (affiliateId: string) =>
    reads.found.get<Affiliate>(affiliateKey(scope, affiliateId))?.commissionPlanId ?? settings.defaultCommissionPlanId;
  await reads.read(affiliateIds.flatMap((affiliateId) => (planIdOf(affiliateId) ? [keys.plan(scope.merchantId, planIdOf(affiliateId) as string)] : [])));
  return new Map(
    affiliateIds.map((affiliateId) => {
      const planId = planIdOf(affiliateId);
      const head = planId ? reads.found.get(keys.plan(scope.merchantId, planId)) : undefined;
      const plan = head ? versionOfHead(head) : null;
      const affiliate = reads.found.get<Affiliate>(affiliateKey(scope, affiliateId));
      return [
        affiliateId,
        {
          affiliateId,
          affiliateActive: affiliate?.status === 'active',
          ...(affiliate?.email ? { affiliateEmail: affiliate.email } : {}),
          plan: plan ? { id: plan.id, version: plan.version } : null,
          holdDays: settings.holdDays,
        },
      ];
    }),
  );
};

/** The plan versions records' terms name: from the heads already read when they are current, else by version. */
export const plansOf = async (scope: LedgerScope, found: ItemLookup, records: readonly PurchaseRecord[]): Promise<Map<string, PlanTerms>> => {
  const plans = new Map<string, PlanTerms>();
  const wanted: { planId: string; version: number }[] = [];
  for (const record of records) {
    const plan = record.terms?.plan;
    if (!plan || plans.has(planVersionKey(plan.id, plan.version))) continue;
    const head = found.get(keys.plan(scope.merchantId, plan.id));
    const current = head ? versionOfHead(head) : undefined;
    if (current?.version === plan.version) plans.set(planVersionKey(plan.id, plan.version), current);
    else wanted.push({ planId: plan.id, version: plan.version });
  }
  for (const [key, plan] of await planVersions(scope.merchantId, wanted)) plans.set(key, plan);
  return plans;
};

export const planFor = (plans: Map<string, PlanTerms>, record: PurchaseRecord): PlanTerms | null => {
  const plan = record.terms?.plan;
  if (!plan) return null;
  const found = plans.get(planVersionKey(plan.id, plan.version));
  if (!found) throw new Error(`Plan ${plan.id} version ${plan.version} is missing`);
  return found;
};

/**
 * Adds one purchase's change to a transaction: its item, its commission and the stats, moved by
 * the difference of what it derived to before and after. Nothing is written when nothing changed.
 */
export const stagePurchase = (
  transaction: Transaction,
  scope: LedgerScope,
  bookId: string,
  before: StoredPurchase,
  facts: PurchaseRecord,
  derived: DerivedLedger,
): boolean => {
  if (before.facts && sameFacts(before.facts, facts) && sameFacts(before.derived, derived)) return false;
  writePurchase(transaction, scope, bookId, before, facts, derived);
  if (!sameFacts(before.derived.commission, derived.commission)) writeCommission(transaction, scope, bookId, before.derived.commission, derived.commission);
  countStatsChange(transaction, purchaseStats(before.derived, scope), purchaseStats(derived, scope));
  return true;
};

/**
 * Adds the customer item's part: the new summary (and a correction of the other purchases when the
 * change reaches them), or only a check that the summary the purchase was derived with still holds.
 * While a correction must look at every purchase, every event writes the item, so the correction's
 * look is repeated if anything arrived during it.
 */
export const stageCustomer = (transaction: Transaction, scope: LedgerScope, customer: StoredCustomer, change: SummaryChange): void => {
  const summaryChanged = !sameFacts(customer.summary, change.summary);
  // A new purchase moves only the count, which no derivation reads: what other purchases, payouts
  // and corrections were derived with still holds, so the summary's version stays.
  const derivationChanged = !sameFacts({ ...customer.summary, purchaseCount: 0 }, { ...change.summary, purchaseCount: 0 });
  const correction =
    change.othersAffected || customer.correction
      ? { requestedAt: customer.correction?.requestedAt ?? new Date().toISOString(), scan: change.needsScan || Boolean(customer.correction?.scan) }
      : null;
  // The customer item is written at least once, so every customer can be found (stats rebuild).
  if (summaryChanged || correction?.scan || (correction && !customer.correction) || customer.version === 0) {
    writeCustomer(transaction, scope, customer, { summary: change.summary, correction, summaryChanged: derivationChanged || change.othersAffected });
    countStatsChange(transaction, cancellationStats(customer.summary.subscriptions, scope), cancellationStats(change.summary.subscriptions, scope));
  } else checkCustomer(transaction, scope, customer);
  if (change.othersAffected) transaction.afterCommit(() => queueCorrection({ ...scope, bookId: customer.bookId }));
};

const describe = (summary: string, before: DerivedLedger, after: DerivedLedger, change: SummaryChange): string => {
  const parts: string[] = [];
  if (after.purchase && !sameFacts(before.purchase, after.purchase))
    parts.push(`purchase ${after.purchase.id}${after.purchase.affiliateId ? ` credited to ${after.purchase.affiliateId}` : ''}`);
  if (after.commission && !sameFacts(before.commission, after.commission))
    parts.push(`commission ${after.commission.id} at ${after.commission.ledger.net} ${after.commission.currency} (${after.commission.ledger.state})`);
  if (before.commission && !after.commission) parts.push(`commission ${before.commission.id} withdrawn`);
  if (change.othersAffected) parts.push("the customer's other purchases are corrected next");
  return parts.length ? `${summary}: ${parts.join('; ')}` : `${summary}; the ledger is unchanged`;
};

interface PurchaseChange {
  bookId: string;
  customer: StoredCustomer;
  before: StoredPurchase;
  facts: PurchaseRecord;
  /** What else the summary learns from the event (a subscription, the customer's record). */
  subscriptions?: Record<string, SubscriptionFacts>;
  prior?: Attribution | null;
  settings: MerchantSettings;
  summary: string;
}

/** Brings the summary up to date with one purchase's new facts, fills in its terms, derives it and stages it all. */
const applyPurchaseChange = async (scope: LedgerScope, transaction: Transaction, reads: Reads, change: PurchaseChange): Promise<{ outcome: string; summary: CustomerSummary }> => {
  const { customer, before } = change;
  let facts = change.facts;
  const summaryChange = summaryAfter(customer.summary, { key: before.key, was: before.facts, now: facts, subscriptions: change.subscriptions, prior: change.prior });
  const needed = missingTerms(facts, summaryChange.summary);
  if (needed) {
    const terms = await currentTerms(scope, reads, change.settings, [needed]);
    facts = { ...facts, terms: terms.get(needed) as Terms };
  }
  const plans = await plansOf(scope, reads.found, [facts]);
  const derived = derivePurchase(scope, before.key, facts, summaryChange.summary, planFor(plans, facts));
  stagePurchase(transaction, scope, change.bookId, before, facts, derived);
  stageCustomer(transaction, scope, customer, summaryChange);
  return { outcome: describe(change.summary, before.derived, derived, summaryChange), summary: summaryChange.summary };
};

/**
 * The payment references of a purchase: each takes the purchase as its target and hands over what
 * was parked under it. One that already points here with nothing parked needs no write.
 */
const adoptReferences = (found: ItemLookup, scope: LedgerScope, refs: readonly string[], target: { bookId: string; purchaseKey: string }) =>
  refs.flatMap((ref) => {
    const before = readReference(found, scope, ref);
    const settled = sameFacts(before.target, target) && Object.keys(before.refunds).length === 0 && Object.keys(before.disputes).length === 0;
    return settled ? [] : [{ ref, before, after: { target, refunds: {}, disputes: {}, version: before.version } as PaymentReference }];
  });

/** The evidence attribution decides on, in the attribution module's terms. */
const attributionEvidence = (customerId: string, evidence: Evidence, at: Date): AttributionEvidence => ({
  customerId,
  email: evidence.email ?? null,
  metadata: evidence.metadata ?? null,
  clientReferenceId: evidence.clientReferenceId ?? null,
  promotionCodes: evidence.promotionCodes ?? [],
  customerCreatedAt: evidence.customerCreatedAt ? new Date(evidence.customerCreatedAt) : null,
  at,
});

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
 * A purchase event (invoice paid, checkout completed, charge succeeded). Three DynamoDB calls in
 * the usual case: the profile, customer, purchase, payment references and attribution records with
 * the intake's own keys; then the affiliates and the default plan that attribution and terms need;
 * then the transaction. An affiliate with a plan of its own adds one read for that plan.
 */
export const recordPurchase = async (context: Context, event: PurchaseEvent): Promise<string> => {
  const scope = scopeOf(context);
  const { bookId, purchaseKey: key } = event;
  // A guest has no customer: its book stands in, so no customer's records can match it.
  const attributionCustomer = event.customerId ?? bookId;
  const reads = new Reads(context.read);
  await reads.read([
    keys.merchant(scope.merchantId),
    customerKey(scope, bookId),
    purchaseKey(scope, bookId, key),
    ...event.references.map((ref) => referenceKey(scope, ref)),
    ...(event.evidence ? attributionKeys(scope.merchantId, scope.mode, attributionEvidence(attributionCustomer, mergedEvidence({ evidence: event.evidence }), new Date(0))) : []),
  ]);
  const settings = settingsOf(reads.found, scope);
  const customer = readCustomer(reads.found, scope, bookId, event.customerId);
  const before = readPurchase(reads.found, scope, bookId, key);

  const references = adoptReferences(reads.found, scope, event.references, { bookId, purchaseKey: key });
  const observed = Object.fromEntries(Object.entries(event.evidence ?? {}).map(([source, value]) => [source, { ...value, observedAt: event.observedAt }]));
  let facts = mergePurchase(before.facts, { ...event.facts, evidence: observed });
  for (const { before: parked } of references) facts = mergePurchase(facts, { kind: event.facts.kind, refunds: parked.refunds, disputes: parked.disputes });
  const subscriptions =
    event.subscription && !customer.summary.subscriptions[event.subscription.id]
      ? { [event.subscription.id]: unknownSubscription(settings, event.subscription.startedAt) }
      : undefined;

  let prior: Attribution | null = null;
  let recordCustomerAttribution = false;
  if (event.evidence) {
    const evidence = attributionEvidence(attributionCustomer, mergedEvidence(facts), new Date(occurredAt(facts) ?? event.observedAt));
    const stickyKey = keys.attribution(scope.merchantId, scope.mode, attributionCustomer);
    const decidedOn = canonical(evidence);
    // The merged evidence may hold more than this event's (a code an earlier event carried).
    await reads.read(attributionKeys(scope.merchantId, scope.mode, evidence));
    const sticky = event.customerId ? reads.found.get<Attribution>(stickyKey) : undefined;
    prior = sticky ? { affiliateId: sticky.affiliateId, source: sticky.source, attributedAt: sticky.attributedAt } : null;
    recordCustomerAttribution = event.customerId !== null && !sticky;

    // The purchase's own decision, from its evidence alone: the customer's stored attribution is a
    // candidate of its own (the prior), placed in time, rather than a verdict that hides the evidence.
    // Evidence already decided on (a second event of the same purchase) is not decided again.
    if (facts.decidedOn !== decidedOn) {
      const attributed = customer.summary.attribution?.affiliateId;
      await reads.read([
        ...affiliateKeys(scope.merchantId, scope.mode, evidence, reads.without(stickyKey)),
        ...(attributed ? [affiliateKey(scope, attributed)] : []),
        ...(prior ? [affiliateKey(scope, prior.affiliateId)] : []),
        ...defaultPlanKeys(scope, settings),
      ]);
      const decision = decideAttribution(scope.merchantId, scope.mode, evidence, reads.without(stickyKey), settings.cookieWindowDays);
      facts = { ...facts, candidate: decision.attribution, decidedOn };
    }
  }

  const { outcome, summary } = await applyPurchaseChange(scope, context.transaction, reads, {
    bookId,
    customer,
    before,
    facts,
    subscriptions,
    prior,
    settings,
    summary: event.summary,
  });
  for (const reference of references) writeReference(context.transaction, scope, reference.ref, reference.before, reference.after);
  if (recordCustomerAttribution && summary.attribution && event.customerId)
    recordAttribution(context.transaction, scope.merchantId, scope.mode, event.customerId, summary.attribution);
  return outcome;
};

export interface PaymentEvent {
  /** The payment's reference (stripe-objects.ts `paymentReference`). */
  reference: string;
  /** The customer, when the event names one. */
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
  const reads = new Reads(context.read);
  const { reference: ref } = event;
  await reads.read([keys.merchant(scope.merchantId), referenceKey(scope, ref)]);
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
  await reads.read([customerKey(scope, target.bookId), purchaseKey(scope, target.bookId, target.purchaseKey)]);
  const customer = readCustomer(reads.found, scope, target.bookId, null);
  const before = readPurchase(reads.found, scope, target.bookId, target.purchaseKey);
  const facts = mergePurchase(before.facts, { kind: before.facts?.kind ?? 'payment', refunds: event.refunds, disputes: event.disputes });
  const { outcome } = await applyPurchaseChange(scope, context.transaction, reads, {
    bookId: target.bookId,
    customer,
    before,
    facts,
    settings: settingsOf(reads.found, scope),
    summary: event.summary,
  });
  return outcome;
};

export interface SubscriptionEvent {
  customerId: string;
  subscriptionId: string;
  /** The subscription's facts; how it is tracked is decided here when the customer's summary does not know it yet. */
  facts: Omit<SubscriptionFacts, 'trackedBy'>;
  /** The billing period the event shows: a purchase when the subscription is tracked by period. */
  period: NonNullable<PurchaseUpdate['period']>;
  summary: string;
}

/** A subscription's start, change or end: its dates, and its billing periods when tracked by period. */
export const recordSubscription = async (context: Context, event: SubscriptionEvent): Promise<string> => {
  const scope = scopeOf(context);
  const reads = new Reads(context.read);
  const periodKey = `${event.subscriptionId}@${event.period.startsAt}`;
  const bookId = event.customerId;
  await reads.read([keys.merchant(scope.merchantId), customerKey(scope, bookId), purchaseKey(scope, bookId, periodKey)]);
  const settings = settingsOf(reads.found, scope);
  const customer = readCustomer(reads.found, scope, bookId, event.customerId);
  const trackedBy = customer.summary.subscriptions[event.subscriptionId]?.trackedBy ?? settings.subscriptionTracking;
  const subscriptions = { [event.subscriptionId]: { ...event.facts, trackedBy } };
  if (trackedBy === 'subscription_period') {
    const before = readPurchase(reads.found, scope, bookId, periodKey);
    const facts = mergePurchase(before.facts, { kind: 'period', period: event.period });
    return (await applyPurchaseChange(scope, context.transaction, reads, { bookId, customer, before, facts, subscriptions, settings, summary: event.summary })).outcome;
  }
  const change = summaryAfter(customer.summary, { subscriptions });
  stageCustomer(context.transaction, scope, customer, change);
  return change.othersAffected ? `${event.summary}: the customer's purchases are corrected next` : `${event.summary}; the ledger is unchanged`;
};
