import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { BusyError, ConflictError } from '../../lambdas/core/errors';
import type { Mode } from '../../lambdas/core/mode';
import { type PaymentEvent, type PurchaseEvent, recordPaymentChange, recordPurchase } from '../../lambdas/ledger/apply';
import {
  chargeEvidence,
  chargeFacts,
  chargeSchema,
  checkoutSessionSchema,
  disputeFact,
  disputeSchema,
  invoiceSchema,
  parse,
} from '../../lambdas/ledger/stripe-objects';
import { paidInvoicePurchase } from '../../lambdas/ledger/stripe-events';
import { batchGet } from '../../lambdas/store/batch';
import { keys } from '../../lambdas/store/keys';
import { Transaction } from '../../lambdas/store/transaction';
import { api } from './api';
import { type TestMerchant, unique } from './factories';
import { dynamo, stack } from './stack';

/**
 * Ledger histories too long to make through the Stripe emulator in a test's time: Stripe-shaped
 * objects (API 2026-10-28.endive) turned into facts by the ledger's own stripe-objects.ts, exactly
 * as lambdas/ledger/stripe-events.ts does for `invoice.paid`, `charge.succeeded` and disputes, then
 * applied in this process through lambdas/ledger/apply.ts against the stack's table (call
 * `useStackTable()` first). What the Stripe reads of those events would fetch is built here too.
 */

export interface LedgerScope {
  merchantId: string;
  mode: Mode;
}

type ApplyContext = Parameters<typeof recordPurchase>[0];

/**
 * Applies one event the way the webhook intake does: the ledger's reads and writes in one
 * transaction, run again on fresh reads while it meets a concurrent change (a sibling event).
 */
export const applyEvent = async (scope: LedgerScope, apply: (context: ApplyContext) => Promise<string>): Promise<string> => {
  for (let attempt = 1; ; attempt++) {
    const transaction = new Transaction();
    try {
      const outcome = await apply({ ...scope, transaction, read: (itemKeys, into) => batchGet(itemKeys, into) });
      await transaction.commit();
      return outcome;
    } catch (error) {
      if (!(error instanceof ConflictError || error instanceof BusyError) || attempt >= 30) throw error;
      await sleep(5 * attempt + Math.random() * 20);
    }
  }
};

export const recordPurchaseEvent = (scope: LedgerScope, event: PurchaseEvent) => applyEvent(scope, (context) => recordPurchase(context, event));
export const recordPaymentEvent = (scope: LedgerScope, event: PaymentEvent) => applyEvent(scope, (context) => recordPaymentChange(context, event));

/** Runs `work` over `items`, `width` at a time. */
export const inParallel = async <T>(items: readonly T[], width: number, work: (item: T, index: number) => Promise<unknown>): Promise<void> => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index] as T, index);
      }
    }),
  );
};

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const day = 86_400;
/** Unix seconds, `days` ago. */
export const daysAgo = (days: number): number => Math.floor(Date.now() / 1000) - days * day;

// ── A subscription's invoices ─────────────────────────────────────────────────────────────────

/** A customer subscribed to one price, renewed every `periodSeconds`, from `startedAt` (Unix seconds). */
export interface Subscriber {
  customerId: string;
  subscriptionId: string;
  email: string;
  productId: string;
  amount: number;
  currency: string;
  startedAt: number;
  periodSeconds: number;
}

export const subscriber = (options: Partial<Subscriber> = {}): Subscriber => {
  const id = unique('');
  return {
    customerId: `cus_${id}`,
    subscriptionId: `sub_${id}`,
    email: `${id}@subscriber.example.com`,
    productId: 'prod_ledger_scale',
    amount: 1_000,
    currency: 'usd',
    startedAt: daysAgo(400),
    periodSeconds: day,
    ...options,
  };
};

/** When the subscription's invoice `n` is paid: 0 is the first, at the start; `n` renews period `n`. */
export const invoicePaidAt = (customer: Subscriber, n: number): number => customer.startedAt + n * customer.periodSeconds + (n === 0 ? 5 : 60);

/** Invoice `n` of the subscription as `invoices.retrieve` gives it with its customer expanded. */
const invoiceObject = (customer: Subscriber, n: number) => {
  const periodStart = customer.startedAt + n * customer.periodSeconds;
  return {
    id: `in_${customer.subscriptionId.slice(4)}_${n}`,
    object: 'invoice',
    customer: { id: customer.customerId, object: 'customer', email: customer.email, metadata: {} },
    customer_email: customer.email,
    currency: customer.currency,
    amount_paid: customer.amount,
    total: customer.amount,
    billing_reason: n === 0 ? 'subscription_create' : 'subscription_cycle',
    // Stripe's cycle invoices show the period that ended as `period_start`; their line, the new one.
    period_start: n === 0 ? periodStart : periodStart - customer.periodSeconds,
    status: 'paid',
    status_transitions: { paid_at: invoicePaidAt(customer, n) },
    parent: { type: 'subscription_details', subscription_details: { subscription: customer.subscriptionId } },
    discounts: [],
    lines: {
      object: 'list',
      has_more: false,
      data: [
        {
          id: `il_${customer.subscriptionId.slice(4)}_${n}`,
          amount: customer.amount,
          discount_amounts: [],
          taxes: [],
          pricing: { price_details: { product: customer.productId } },
          period: { start: periodStart, end: periodStart + customer.periodSeconds },
          parent: { subscription_item_details: { subscription_item: `si_${customer.subscriptionId.slice(4)}` } },
        },
      ],
    },
  };
};

/** The Checkout Session that started the subscription, with its customer expanded. */
const sessionObject = (customer: Subscriber, clientReferenceId: string) => ({
  id: `cs_${customer.subscriptionId.slice(4)}`,
  object: 'checkout.session',
  mode: 'subscription',
  status: 'complete',
  customer: { id: customer.customerId, object: 'customer', email: customer.email, metadata: {} },
  customer_details: { email: customer.email },
  client_reference_id: clientReferenceId,
  metadata: {},
  currency: customer.currency,
  amount_total: customer.amount,
  created: customer.startedAt,
  invoice: invoiceObject(customer, 0).id,
  subscription: customer.subscriptionId,
  discounts: [],
});

/**
 * `invoice.paid` for invoice `n`, as lambdas/ledger/stripe-events.ts `invoicePaid` hands it to the
 * ledger. The first invoice (n = 0) comes with the subscription's Checkout Session, whose
 * `client_reference_id` (an affiliate's referral code) attributes the customer; renewals carry only
 * the customer's e-mail, which attributes nobody.
 */
export const invoicePaid = (customer: Subscriber, n: number, checkout?: { clientReferenceId: string }): PurchaseEvent => {
  const invoice = parse(invoiceSchema, invoiceObject(customer, n), 'invoice');
  const session = n === 0 && checkout ? parse(checkoutSessionSchema, sessionObject(customer, checkout.clientReferenceId), 'checkout session') : null;
  return paidInvoicePurchase(invoice, invoice.lines.data, session, iso(invoicePaidAt(customer, n)));
};

// ── Payments and their disputes ──────────────────────────────────────────────────────────────

export interface Payment {
  customerId: string;
  paymentIntentId: string;
  chargeId: string;
  amount: number;
  currency: string;
  createdAt: number;
}

export const payment = (options: Partial<Payment> = {}): Payment => {
  const id = unique('');
  return {
    customerId: `cus_${id}`,
    paymentIntentId: `pi_${id}`,
    chargeId: `ch_${id}`,
    amount: 1_000,
    currency: 'usd',
    createdAt: Math.floor(Date.now() / 1000) - 3_600,
    ...options,
  };
};

/** The payment of the subscription's invoice `n`. */
export const invoicePayment = (customer: Subscriber, n: number): Payment => ({
  customerId: customer.customerId,
  paymentIntentId: `pi_${customer.subscriptionId.slice(4)}_${n}`,
  chargeId: `ch_${customer.subscriptionId.slice(4)}_${n}`,
  amount: customer.amount,
  currency: customer.currency,
  createdAt: invoicePaidAt(customer, n),
});

const chargeOf = (paid: Payment, metadata: Record<string, string>) =>
  parse(
    chargeSchema,
    {
      id: paid.chargeId,
      object: 'charge',
      amount: paid.amount,
      currency: paid.currency,
      created: paid.createdAt,
      customer: paid.customerId,
      payment_intent: paid.paymentIntentId,
      billing_details: { email: null },
      metadata,
    },
    'charge',
  );

/** `charge.succeeded` of a bare payment (no Checkout Session, no invoice) whose metadata names an affiliate. */
export const chargeSucceeded = (paid: Payment, referralCode: string): PurchaseEvent => {
  const charge = chargeOf(paid, { tally_affiliate: referralCode });
  const observed = iso(paid.createdAt);
  return {
    bookId: paid.customerId,
    customerId: paid.customerId,
    purchaseKey: paid.paymentIntentId,
    facts: { kind: 'payment', charge: chargeFacts(charge, observed) },
    evidence: { charge: chargeEvidence(charge) },
    observedAt: observed,
    references: [paid.paymentIntentId],
    summary: `charge ${charge.id} succeeded`,
  };
};

/** `charge.succeeded` of invoice `n`'s payment: it ties the payment to the invoice's purchase, so its disputes find it. */
export const invoiceCharged = (customer: Subscriber, n: number): PurchaseEvent => {
  const paid = invoicePayment(customer, n);
  const observed = iso(paid.createdAt);
  return {
    bookId: customer.customerId,
    customerId: customer.customerId,
    purchaseKey: invoiceObject(customer, n).id,
    facts: { kind: 'invoice', charge: chargeFacts(chargeOf(paid, {}), observed) },
    observedAt: observed,
    references: [paid.paymentIntentId],
    summary: `charge ${paid.chargeId} paid invoice ${invoiceObject(customer, n).id}`,
  };
};

/** `charge.dispute.created` for the whole payment: its commission is held. */
export const disputeOpened = (paid: Payment): PaymentEvent => {
  const dispute = parse(
    disputeSchema,
    {
      id: `du_${paid.chargeId.slice(3)}`,
      object: 'dispute',
      amount: paid.amount,
      currency: paid.currency,
      created: paid.createdAt + 60,
      status: 'needs_response',
      charge: paid.chargeId,
      payment_intent: paid.paymentIntentId,
    },
    'dispute',
  );
  return {
    reference: paid.paymentIntentId,
    customerId: null,
    disputes: { [dispute.id]: disputeFact(dispute, iso(paid.createdAt + 60)) },
    summary: `dispute ${dispute.id} (open)`,
  };
};

// ── What the table and the API hold ───────────────────────────────────────────────────────────

/** An attribute value's size as DynamoDB counts it (names and values in UTF-8; numbers about one byte per two digits). */
const valueSize = (value: unknown): number => {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return Math.ceil(String(Math.abs(value)).replace(/[.e+-]/g, '').replace(/^0+/, '').length / 2) + 1;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, inner) => sum + 1 + valueSize(inner), 0);
  return 3 + Object.entries(value as Record<string, unknown>).reduce((sum, [name, inner]) => sum + 1 + Buffer.byteLength(name, 'utf8') + valueSize(inner), 0);
};

/** An item's size in bytes, by DynamoDB's rules: what its read and write units are computed from. */
export const itemSize = (item: Record<string, unknown>): number =>
  Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name, 'utf8') + valueSize(value), 0);

/** Every item of a customer's ledger partition (the customer item and one per purchase), read directly. */
export const customerPartition = async (scope: LedgerScope, bookId: string): Promise<Record<string, unknown>[]> => {
  const { pk } = keys.ledgerCustomer(scope.merchantId, scope.mode, bookId);
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({ TableName: stack().tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
};

export const customerItem = async (scope: LedgerScope, bookId: string): Promise<Record<string, unknown> | undefined> =>
  (await dynamo().send(new GetCommand({ TableName: stack().tableName, Key: keys.ledgerCustomer(scope.merchantId, scope.mode, bookId), ConsistentRead: true }))).Item;

/** Polls until `done` holds, at most `timeoutMs`; returns how long it took. */
export const eventually = async (what: string, done: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<number> => {
  const started = Date.now();
  while (!(await done())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(intervalMs);
  }
  return Date.now() - started;
};

/** Waits until the customer's correction (queued on the ledger queue, run by the stack's poller) is done. */
export const correctionDone = (scope: LedgerScope, bookId: string, timeoutMs: number) =>
  eventually(`the correction of ${bookId}`, async () => !(await customerItem(scope, bookId))?.correction, timeoutMs);

/** Every page of an API list, following `nextCursor`; `pages` counts them. */
export const everyPage = async (merchant: TestMerchant, path: string, query: Record<string, string | number>): Promise<{ data: any[]; pages: number }> => {
  const data: any[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const response = await api('GET', path, { key: merchant.apiKey, query: { ...query, cursor } });
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    if (response.body.data.length > Number(query.limit ?? 20)) throw new Error(`GET ${path}: a page longer than its limit`);
    data.push(...response.body.data);
    cursor = response.body.nextCursor ?? undefined;
    pages += 1;
  } while (cursor);
  return { data, pages };
};

/** Polls a payout until it is paid. */
export const paidPayout = async (merchant: TestMerchant & { mode: Mode }, payoutId: string, timeoutMs: number) => {
  let payout: any;
  await eventually(
    `payout ${payoutId}`,
    async () => {
      payout = (await api('GET', `/v1/payouts/${payoutId}`, { key: merchant.apiKey, query: { mode: merchant.mode } })).body;
      return payout.status === 'paid';
    },
    timeoutMs,
    500,
  );
  return payout;
};
