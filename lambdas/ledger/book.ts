/**
 * The facts Stripe has told Tally about a customer's purchases, and how reports of one thing merge.
 * Each purchase's facts are an item of their own (store.ts); what the rules across purchases need
 * is the customer's summary (customer.ts). The ledger (a purchase, its commission and its lines) is
 * derived from both by a pure function (derive.ts), so the same facts give the same ledger whatever
 * order the events came in, and an event delivered twice changes nothing. Merging is commutative:
 * when two reports of one thing differ, the one Stripe sent later (the event's `created`) wins,
 * whatever order they arrive in.
 */
import type { Attribution } from '../attribution/attribution';

export type { Attribution, AttributionSource } from '../attribution/attribution';

/** A line of a purchase: what one product brought in, tax excluded and discounts deducted. */
export interface PurchaseLine {
  productId: string | null;
  amount: number;
}

/** The evidence a purchase carries for attribution (SPEC section 3), as its events showed it. */
export interface Evidence {
  email?: string;
  /** Only the keys attribution reads (`tally_affiliate`), so the book stays small. */
  metadata?: Record<string, string>;
  clientReferenceId?: string;
  promotionCodes?: { id: string; code: string }[];
  /** When Stripe created the customer: a public lead recorded well after it cannot claim the customer. */
  customerCreatedAt?: string;
}

export type EvidenceSource = 'checkout' | 'invoice' | 'charge' | 'customer';

/** Every fact carries `observedAt`, the `created` of the event that reported it (ISO). */
interface Observed {
  observedAt: string;
}

export interface InvoiceFacts extends Observed {
  invoiceId: string;
  currency: string;
  /** What the customer paid, tax included (the unit refunds are in). */
  paid: number;
  /** Net of discounts and tax, scaled to what was paid. */
  lines: PurchaseLine[];
  paidAt: string;
  /** When the purchase began: a subscription's first invoice dates from the subscription's start. */
  since: string;
  subscriptionId: string | null;
}

export interface ChargeFacts extends Observed {
  chargeId: string;
  paymentIntentId: string | null;
  /** Captured amount, tax included. */
  amount: number;
  currency: string;
  createdAt: string;
}

export interface CheckoutFacts extends Observed {
  sessionId: string;
  mode: 'payment' | 'subscription';
  currency: string;
  /** What the session charged, tax included. */
  total: number;
  /** Only for payment-mode sessions: a subscription's lines are its invoice's. */
  lines: PurchaseLine[] | null;
  completedAt: string;
}

/** Pending refunds count until they fail (as Stripe's `amount_refunded` does). */
export type RefundStatus = 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';
export interface RefundFact extends Observed {
  amount: number;
  status: RefundStatus;
  createdAt: string;
  /** When it failed or was canceled: the time the refunded amount came back. */
  endedAt?: string;
}

export type DisputeOutcome = 'open' | 'won' | 'lost';
export interface DisputeFact extends Observed {
  amount: number;
  outcome: DisputeOutcome;
  openedAt: string;
  closedAt?: string;
}

export interface PeriodFacts extends Observed {
  subscriptionId: string;
  startsAt: string;
  endsAt: string;
  currency: string;
  /** The subscription's price for the period: its items, price × quantity. */
  lines: PurchaseLine[];
}

/**
 * The affiliate's terms when its commission on a purchase was first worked out: the plan by ID and
 * version (plan versions never change, so the commission is worked out the same way forever).
 */
export interface Terms {
  affiliateId: string;
  affiliateActive: boolean;
  /** The affiliate's e-mail then: a purchase by the same mailbox is the affiliate's own (self-referral). */
  affiliateEmail?: string;
  plan: { id: string; version: number } | null;
  holdDays: number;
}

/** What a commission is computed from: one version of a plan (plans/plan.ts stores them). */
export interface PlanTerms {
  id: string;
  version: number;
  name: string;
  rate: { percentBps: number } | { flat: { amount: number; currency: string } };
  paymentFor: 'all' | 'line_items';
  lineItemSkus: string[];
  recurring: 'first' | 'all' | { months: number };
}

/**
 * A payout's part in one commission: what it paid (the balance then), or, as a negative amount, the
 * clawback it netted (what a refund or lost dispute took back after the commission was paid).
 */
export interface PayoutFact {
  amount: number;
  at: string;
  /** The refunds and disputes the payout knew of: any other happened after it, whatever its timestamp. */
  knew: string[];
}

export type PurchaseKind = 'invoice' | 'payment' | 'period';

export interface PurchaseRecord {
  kind: PurchaseKind;
  invoice?: InvoiceFacts;
  charge?: ChargeFacts;
  checkout?: CheckoutFacts;
  period?: PeriodFacts;
  refunds: Record<string, RefundFact>;
  disputes: Record<string, DisputeFact>;
  evidence: Partial<Record<EvidenceSource, Evidence & Observed>>;
  /** What this purchase's own evidence decided (undefined until decided, null for nobody). */
  candidate?: Attribution | null;
  /** The evidence the candidate was decided on: the same evidence again needs no new decision. */
  decidedOn?: string;
  terms?: Terms;
  payouts: Record<string, PayoutFact>;
}

export type SubscriptionTracking = 'per_transaction' | 'subscription_period';

export interface SubscriptionFacts extends Observed {
  /** Decided when Tally first hears of the subscription: a changed setting applies to new ones. */
  trackedBy: SubscriptionTracking;
  startedAt: string;
  trialEndsAt: string | null;
  /** When it ended (`ended_at`), or when it is set to end (`cancel_at`). */
  endedAt: string | null;
  cancelAt: string | null;
}

export const emptyPurchase = (kind: PurchaseKind): PurchaseRecord => ({ kind, refunds: {}, disputes: {}, evidence: {}, payouts: {} });

/** A canonical string of a value (keys sorted): equal facts give equal strings, whatever their key order. */
export const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );

/** Whether two sets of facts are the same, whatever order their keys came back from the table in. */
export const sameFacts = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** Of two reports of one thing, the one Stripe sent later; equal times fall to a fixed order. */
export const later = <T extends Observed>(current: T | undefined, incoming: T): T => {
  if (!current) return incoming;
  if (incoming.observedAt !== current.observedAt) return incoming.observedAt > current.observedAt ? incoming : current;
  return canonical(incoming) > canonical(current) ? incoming : current;
};

const refundRank: Record<RefundStatus, number> = { pending: 0, requires_action: 1, succeeded: 2, failed: 3, canceled: 3 };

/** A refund moves forward only: a late `refund.created` (pending) never undoes its `refund.updated`. */
export const mergeRefund = (current: RefundFact | undefined, incoming: RefundFact): RefundFact => {
  if (!current) return incoming;
  const rank = refundRank[incoming.status] - refundRank[current.status];
  if (rank !== 0) return rank > 0 ? { ...incoming, endedAt: incoming.endedAt ?? current.endedAt } : current;
  return later(current, incoming);
};

/** A dispute's close is final: a late `created` never reopens it. */
export const mergeDispute = (current: DisputeFact | undefined, incoming: DisputeFact): DisputeFact => {
  if (!current) return incoming;
  if ((current.outcome === 'open') !== (incoming.outcome === 'open')) return current.outcome === 'open' ? incoming : current;
  return later(current, incoming);
};

/**
 * A subscription's facts: the latest report wins, except what is decided once (how it is tracked)
 * and what only ever becomes known (that it ended).
 */
export const mergeSubscription = (current: SubscriptionFacts | undefined, incoming: SubscriptionFacts): SubscriptionFacts => {
  if (!current) return incoming;
  const latest = later(current, incoming);
  return { ...latest, trackedBy: current.trackedBy, endedAt: current.endedAt ?? incoming.endedAt };
};

/** Facts about one purchase, merged into what the book already has. */
export interface PurchaseUpdate {
  kind: PurchaseKind;
  invoice?: InvoiceFacts;
  charge?: ChargeFacts;
  checkout?: CheckoutFacts;
  period?: PeriodFacts;
  refunds?: Record<string, RefundFact>;
  disputes?: Record<string, DisputeFact>;
  evidence?: Partial<Record<EvidenceSource, Evidence & Observed>>;
}

export const mergeMap = <T>(current: Record<string, T>, incoming: Record<string, T> | undefined, merge: (a: T | undefined, b: T) => T) => {
  const merged = { ...current };
  for (const [id, fact] of Object.entries(incoming ?? {})) merged[id] = merge(merged[id], fact);
  return merged;
};

export const mergePurchase = (current: PurchaseRecord | undefined, update: PurchaseUpdate): PurchaseRecord => {
  const base = current ?? emptyPurchase(update.kind);
  const merged: PurchaseRecord = {
    ...base,
    refunds: mergeMap(base.refunds, update.refunds, mergeRefund),
    disputes: mergeMap(base.disputes, update.disputes, mergeDispute),
    evidence: mergeMap(base.evidence, update.evidence, later),
  };
  if (update.invoice) merged.invoice = later(base.invoice, update.invoice);
  if (update.charge) merged.charge = later(base.charge, update.charge);
  if (update.checkout) merged.checkout = later(base.checkout, update.checkout);
  if (update.period) merged.period = later(base.period, update.period);
  return merged;
};

/** The merged evidence of a purchase: a fixed precedence of sources, so arrival order never matters. */
const evidencePrecedence: EvidenceSource[] = ['checkout', 'customer', 'invoice', 'charge'];

export const mergedEvidence = (purchase: { evidence: Partial<Record<EvidenceSource, Evidence>> }): Evidence => {
  const merged: Evidence = {};
  for (const source of [...evidencePrecedence].reverse()) {
    const evidence = purchase.evidence[source];
    if (!evidence) continue;
    if (evidence.email) merged.email = evidence.email;
    if (evidence.clientReferenceId) merged.clientReferenceId = evidence.clientReferenceId;
    if (evidence.customerCreatedAt) merged.customerCreatedAt = evidence.customerCreatedAt;
    if (evidence.metadata) merged.metadata = { ...merged.metadata, ...evidence.metadata };
    if (evidence.promotionCodes?.length) {
      const codes = new Map((merged.promotionCodes ?? []).map((code) => [code.id, code]));
      for (const code of evidence.promotionCodes) codes.set(code.id, code);
      merged.promotionCodes = [...codes.values()].sort((a, b) => a.id.localeCompare(b.id));
    }
  }
  return merged;
};
