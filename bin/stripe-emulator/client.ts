import type Stripe from 'stripe';
import type { ConnectedAccount } from './accounts';
import type { ConfigPatch, DeliveryPolicy, EmulatorConfig, FaultRuleInput, RateLimits } from './config';
import type { Mode } from './defaults';
import type { AppSignature } from './app-signing';
import type { DeliveryFilter, DeliveryRecord } from './deliveries';
import type { DropRule, DropRuleInput, DroppedEvent } from './delivery-drops';
import type { EventDestination, EventDestinationInput } from './event-destinations';
import type { PlannedAuthorization } from './oauth-grants';
import type { RequestLogEntry, RequestLogFilter } from './request-log';

export interface EmulatedWebhookEndpoint extends Stripe.WebhookEndpoint {
  secret: string;
  connect: boolean;
}

/** An event to send as given: `type` and `data` as Stripe would put them, the rest filled in. */
export interface EventPayload {
  type: string;
  data: { object: object; previous_attributes?: object };
  id?: string;
  created?: number;
}

/** Where an event happens: a connected account (its mode is known) or, without `account`, the platform in `mode`. */
export interface EventScope {
  account?: string;
  mode?: Mode;
}

export interface DeliveryOptions {
  /** Deliver each copy this many times (1 by default). */
  times?: number;
  /** All copies at once instead of one after another. */
  concurrent?: boolean;
}

/*
 * Simulations: `POST /_emulator/simulate/<flow>`, JSON in and out. Each acts in one account and mode:
 * `account` (a connected account, whose mode is known) or, without it, the platform in `mode` (test by
 * default). Each returns the objects it made and `events`: every event it caused, in Stripe's order,
 * already recorded on the account (`GET /v1/events`). With `deliver: true` (the default) they are
 * also sent, signed, to the webhook endpoints (or to the mode's EventBridge destination); with
 * `deliver: false` they are not, and a test sends them later with
 * `sendEvents(scope, events, { order: 'shuffled', seed })` or `redeliver(...)`.
 * Refusals answer with Stripe's own error body and status (an inactive promotion code: 400) and send
 * no event; malformed input answers 400 `invalid_request`. Amounts are integers in the currency's
 * smallest unit (jpy: yen). Objects are shaped as API 2026-10-28.endive returns them.
 *
 * checkout {kind: 'payment'|'subscription', lineItems: [{price: 'price_…'} | {unitAmount, currency?
 *     ('usd'), product?: {id?, name?}, recurring?: {interval, intervalCount?}}, quantity? (1)],
 *     customer?: 'cus_…' | {email?, name?, metadata?}, customerEmail? (a guest's), promotionCode?
 *     (a code as typed, or 'promo_…'), coupon?, clientReferenceId?, metadata?, subscriptionMetadata?,
 *     paymentIntentMetadata?, taxBps? (exclusive, 825 = 8.25 %), trialDays?}
 *   or {session: 'cs_…', customer?: {email?, name?}} to pay a session made with the API
 *   → {session, customer, paymentIntent, charge, invoice, subscription, events}
 *   payment: [customer.created], payment_intent.created, charge.succeeded, payment_intent.succeeded,
 *     checkout.session.completed (no invoice; a guest pays without a customer; 100 % off pays nothing)
 *   subscription: customer.created (unless `customer` is an id), customer.subscription.created,
 *     invoice.created, invoice.finalized, payment_intent.created, charge.succeeded,
 *     payment_intent.succeeded, invoice_payment.paid, invoice.paid, invoice.payment_succeeded,
 *     checkout.session.completed (a trial's first invoice is 0 and paid without a payment)
 * renewal {subscription, fail?} → {subscription, invoice, paymentIntent, charge, events}
 *   moves the clock to the end of the current period if it is not there yet, then:
 *   customer.subscription.updated (new period, latest_invoice, trial over, used-up discounts),
 *   invoice.created, invoice.finalized, payment_intent.created, charge.succeeded,
 *   payment_intent.succeeded, invoice_payment.paid, invoice.paid, invoice.payment_succeeded
 *   [customer.subscription.updated back to active after a decline];
 *   fail: … payment_intent.created, charge.failed, payment_intent.payment_failed,
 *   invoice.payment_failed, customer.subscription.updated (past_due)
 * invoice {customer: 'cus_…' | {email?, …}, lineItems, promotionCode?, coupon?, taxBps?, metadata?, fail?}
 *   → {customer, invoice, paymentIntent, charge, events}: [customer.created], invoice.created,
 *   invoice.finalized, then the payment's events as for a renewal (billing_reason manual)
 * payment {amount, currency? ('usd'), customer?, email?, description?, metadata?, fail?}
 *   → {customer, paymentIntent, charge, events}: [customer.created], payment_intent.created,
 *   charge.succeeded, payment_intent.succeeded (no session, no invoice)
 * refund {charge | paymentIntent, amount? (the rest), reason?, metadata?, status? ('succeeded'|'pending')}
 *   → {refund, charge, events}: charge.refunded (previous_attributes), refund.created
 * refund/:id/settle {status: 'succeeded'|'failed'} → {refund, charge, events}: refund.updated
 *   (previous_attributes.status pending) [refund.failed; the charge gets the amount back]
 * dispute {charge, amount? (the unrefunded rest), reason? ('fraudulent')} → {dispute, charge, events}:
 *   charge.dispute.created (needs_response), charge.dispute.funds_withdrawn
 * dispute/:id/close {outcome: 'won'|'lost'} → {dispute, events}: charge.dispute.closed
 *   [charge.dispute.funds_reinstated when won]
 * cancel-subscription {subscription, atPeriodEnd?, at?} → {subscription, events}: now,
 *   customer.subscription.deleted; at the period end (or `at`), customer.subscription.updated
 *   (cancel_at, cancel_at_period_end, canceled_at), then customer.subscription.deleted once the clock
 *   passes cancel_at (`advanceTime`)
 * `POST /_emulator/clock {advanceSeconds, deliver?}` → {now, events}: the clock drives every
 *   `created`, billing period and `cancel_at`.
 * `POST /_emulator/apps/sign {user_id, account_id, timestamp?}` → {payload, signature}: what a Stripe
 *   App's fetchStripeSignature() gives its backend, signed with `appSigningSecret`.
 */

/** Where a simulation happens, and whether its events are delivered at once (the default). */
export interface SimulationScope extends EventScope {
  deliver?: boolean;
}

/** Something bought: an existing price, or an amount on a product (made on the fly, or the one with `product.id`). */
export interface SimulatedLineItem {
  price?: string;
  product?: { id?: string; name?: string };
  unitAmount?: number;
  currency?: string;
  quantity?: number;
  recurring?: { interval: 'day' | 'week' | 'month' | 'year'; intervalCount?: number };
}

/** An existing customer's id, or the details of a new one. */
export type SimulatedCustomer = string | { email?: string; name?: string; metadata?: Record<string, string> };

export interface PurchaseOptions {
  /** A promotion code as the customer types it (any case), or its `promo_…` id. */
  promotionCode?: string;
  coupon?: string;
  metadata?: Record<string, string>;
  /** Exclusive tax in basis points (825 = 8.25 %). */
  taxBps?: number;
}

export interface CheckoutSimulation extends SimulationScope, PurchaseOptions {
  kind?: 'payment' | 'subscription';
  /** Pay a session made with `POST /v1/checkout/sessions` instead of making one. */
  session?: string;
  customer?: SimulatedCustomer;
  /** A guest's e-mail (payment mode without `customer`). */
  customerEmail?: string;
  lineItems?: SimulatedLineItem[];
  clientReferenceId?: string;
  subscriptionMetadata?: Record<string, string>;
  paymentIntentMetadata?: Record<string, string>;
  trialDays?: number;
}

export interface SimulatedEvents {
  events: Stripe.Event[];
}

export interface CheckoutResult extends SimulatedEvents {
  session: Stripe.Checkout.Session;
  customer: Stripe.Customer | null;
  paymentIntent: Stripe.PaymentIntent | null;
  charge: Stripe.Charge | null;
  invoice: Stripe.Invoice | null;
  subscription: Stripe.Subscription | null;
}

export interface InvoiceResult extends SimulatedEvents {
  invoice: Stripe.Invoice;
  paymentIntent: Stripe.PaymentIntent | null;
  charge: Stripe.Charge | null;
}

export interface RenewalResult extends InvoiceResult {
  subscription: Stripe.Subscription;
}

export interface PaymentResult extends SimulatedEvents {
  customer: Stripe.Customer | null;
  paymentIntent: Stripe.PaymentIntent;
  charge: Stripe.Charge;
}

export interface RefundResult extends SimulatedEvents {
  refund: Stripe.Refund;
  charge: Stripe.Charge;
}

export interface DisputeResult extends SimulatedEvents {
  dispute: Stripe.Dispute;
  charge: Stripe.Charge;
}

export class EmulatorControlError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`Stripe emulator control API answered ${status}: ${JSON.stringify(body)}`);
  }
}

type Query = Record<string, string | number | boolean | undefined>;

/** A typed client of the emulator's `/_emulator/…` control API, for tests, benchmarks and the local stack. */
export class EmulatorControl {
  private readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
  }

  private async call<T>(method: string, path: string, body?: unknown, query: Query = {}): Promise<T> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    const url = `${this.baseUrl}/_emulator${path}${search.size ? `?${search}` : ''}`;
    const response = await fetch(url, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
    const parsed: unknown = await response.json();
    if (!response.ok) throw new EmulatorControlError(response.status, parsed);
    return parsed as T;
  }

  /**
   * Forgets every object, account, event, delivery and log entry, and restores the start-up
   * configuration; `keepWebhookEndpoints` keeps the platform's webhook endpoints and each mode's
   * event destination as they are.
   */
  async reset(options: { keepWebhookEndpoints?: boolean } = {}): Promise<void> {
    await this.call('POST', '/reset', options);
  }

  config(): Promise<EmulatorConfig> {
    return this.call('GET', '/config');
  }

  configure(patch: ConfigPatch): Promise<EmulatorConfig> {
    return this.call('PATCH', '/config', patch);
  }

  /** Requests per second per account and mode; `null` turns rate limiting off. */
  setRateLimits(rateLimits: RateLimits | null): Promise<EmulatorConfig> {
    return this.configure({ rateLimits });
  }

  /** Replaces the fault rules (an empty list turns fault injection off). */
  setFaults(faults: FaultRuleInput[]): Promise<EmulatorConfig> {
    return this.configure({ faults });
  }

  setDeliveryPolicy(delivery: Partial<DeliveryPolicy>): Promise<EmulatorConfig> {
    return this.configure({ delivery });
  }

  /** Moves the emulator's clock forward (e.g. past an authorization code's five minutes). */
  async advanceClock(seconds: number): Promise<number> {
    return (await this.advanceTime(seconds)).now;
  }

  /** Moves the clock forward and returns what fell due meanwhile (subscriptions reaching `cancel_at` end). */
  advanceTime(seconds: number, options: { deliver?: boolean } = {}): Promise<{ now: number } & SimulatedEvents> {
    return this.call('POST', '/clock', { advanceSeconds: seconds, ...options });
  }

  async requests(filter: RequestLogFilter = {}): Promise<RequestLogEntry[]> {
    return (await this.call<{ data: RequestLogEntry[] }>('GET', '/requests', undefined, { ...filter })).data;
  }

  async requestCount(filter: RequestLogFilter = {}): Promise<number> {
    return (await this.call<{ count: number }>('GET', '/requests', undefined, { ...filter, countOnly: true })).count;
  }

  async clearRequests(): Promise<void> {
    await this.call('DELETE', '/requests');
  }

  async deliveries(filter: DeliveryFilter = {}): Promise<DeliveryRecord[]> {
    return (await this.call<{ data: DeliveryRecord[] }>('GET', '/deliveries', undefined, { ...filter })).data;
  }

  /** Resolves once every delivery, webhook or EventBridge, is done (delivered or given up); rejects with status 408 after `timeoutMs`. */
  async waitForDeliveries(timeoutMs = 10_000): Promise<void> {
    await this.call('GET', '/deliveries/wait', undefined, { timeoutMs });
  }

  /**
   * Loses the deliveries (webhook or EventBridge) of the next `events` events (or of a `share` of them, `seed` to
   * repeat the pick), optionally only for one account, mode or some types: the events are still
   * recorded and listed by `GET /v1/events`. Replaces any rule in force; `redeliver` ignores it.
   */
  dropDeliveries(rule: DropRuleInput): Promise<{ rule: DropRule; dropped: DroppedEvent[] }> {
    return this.call('PUT', '/deliveries/drops', rule);
  }

  /** Delivers every event again from now on; what was dropped stays dropped. */
  stopDroppingDeliveries(): Promise<{ rule: null; dropped: DroppedEvent[] }> {
    return this.call('DELETE', '/deliveries/drops');
  }

  /** The rule in force (null when none) and the events whose deliveries were dropped since the last reset. */
  droppedDeliveries(): Promise<{ rule: DropRule | null; dropped: DroppedEvent[] }> {
    return this.call('GET', '/deliveries/drops');
  }

  /** How the mode's events leave the emulator: `{ type: 'webhook' }` or its EventBridge destination. */
  eventDestination(mode: Mode): Promise<EventDestination> {
    return this.call('GET', `/event-destinations/${mode}`);
  }

  /**
   * Sends the mode's events (its connected accounts' included, or only those of `accounts`) to an
   * EventBridge destination instead of the webhook endpoints: each is POSTed, unsigned, to `url` as
   * EventBridge hands it to a rule's target, with the webhooks' retries, order and delivery records.
   * `{ type: 'webhook' }` goes back to the webhook endpoints.
   */
  setEventDestination(mode: Mode, destination: EventDestinationInput): Promise<EventDestination> {
    return this.call('PUT', `/event-destinations/${mode}`, destination);
  }

  async accounts(mode?: Mode): Promise<ConnectedAccount[]> {
    return (await this.call<{ data: ConnectedAccount[] }>('GET', '/accounts', undefined, { mode })).data;
  }

  /** A connected account without going through OAuth (no events). */
  createAccount(mode: Mode = 'test'): Promise<ConnectedAccount> {
    return this.call('POST', '/accounts', { mode });
  }

  /** The account owner disconnects the platform in their dashboard: `account.application.deauthorized` is delivered. */
  deauthorize(accountId: string): Promise<ConnectedAccount> {
    return this.call('POST', `/accounts/${encodeURIComponent(accountId)}/deauthorize`);
  }

  /** How the next `GET /oauth/authorize` ends, e.g. `{ outcome: 'approve', accountId }` to reconnect an account. */
  async planAuthorization(planned: PlannedAuthorization): Promise<void> {
    await this.call('POST', '/oauth/plan', planned);
  }

  /** The merchant turns a promotion code off in the dashboard: `promotion_code.updated` with `previous_attributes.active`. */
  deactivatePromotionCode(accountId: string, promotionCodeId: string): Promise<{ promotionCode: Stripe.PromotionCode; events: Stripe.Event[] }> {
    return this.call('POST', `/accounts/${encodeURIComponent(accountId)}/promotion_codes/${encodeURIComponent(promotionCodeId)}/deactivate`, {});
  }

  /** The merchant deletes a coupon in the dashboard: `coupon.deleted`. */
  deleteCoupon(accountId: string, couponId: string): Promise<{ coupon: Stripe.DeletedCoupon; events: Stripe.Event[] }> {
    return this.call('POST', `/accounts/${encodeURIComponent(accountId)}/coupons/${encodeURIComponent(couponId)}/delete`, {});
  }

  /**
   * Creates objects directly on an account with the API's own create endpoint (`resource` as in
   * `/v1/<resource>`), bypassing rate limits, faults and the request log; no events unless asked.
   */
  async seed<T = unknown>(accountId: string, resource: string, items: object[], options: { mode?: Mode; events?: boolean } = {}): Promise<T[]> {
    const path = `/accounts/${encodeURIComponent(accountId)}/${encodeURIComponent(resource)}`;
    return (await this.call<{ data: T[] }>('POST', path, { items, ...options })).data;
  }

  async webhookEndpoints(scope: EventScope = {}): Promise<EmulatedWebhookEndpoint[]> {
    return (await this.call<{ data: EmulatedWebhookEndpoint[] }>('GET', '/webhook-endpoints', undefined, { ...scope })).data;
  }

  registerWebhookEndpoint(endpoint: {
    url: string;
    mode?: Mode;
    account?: string;
    connect?: boolean;
    enabledEvents?: string[];
    secret?: string;
  }): Promise<EmulatedWebhookEndpoint> {
    return this.call('POST', '/webhook-endpoints', endpoint);
  }

  /** Records an event as given and delivers it, signed, to the endpoints it is addressed to. */
  sendEvent(scope: EventScope, event: EventPayload, options: DeliveryOptions = {}): Promise<{ event: Stripe.Event; deliveries: DeliveryRecord[] }> {
    return this.call('POST', '/events', { ...scope, ...event, ...options });
  }

  /** Delivers an event already recorded (by the API or `sendEvent`) again. */
  redeliver(scope: EventScope, eventId: string, options: DeliveryOptions = {}): Promise<{ deliveries: DeliveryRecord[] }> {
    return this.call('POST', `/events/${encodeURIComponent(eventId)}/redeliver`, { ...scope, ...options });
  }

  /** Records events and delivers them in the given order, or shuffled (repeatably with `seed`). */
  sendEvents(
    scope: EventScope,
    events: EventPayload[],
    options: { order?: 'given' | 'shuffled'; seed?: number } = {},
  ): Promise<{ events: Stripe.Event[] }> {
    return this.call('POST', '/events/sequence', { ...scope, events, ...options });
  }

  /** A customer pays through Checkout (see the simulation notes above for the events). */
  simulateCheckout(input: CheckoutSimulation): Promise<CheckoutResult> {
    return this.call('POST', '/simulate/checkout', input);
  }

  /** The subscription's next period is billed (moving the clock to the current period's end first). */
  simulateRenewal(input: SimulationScope & { subscription: string; fail?: boolean }): Promise<RenewalResult> {
    return this.call('POST', '/simulate/renewal', input);
  }

  /** A one-off invoice (`billing_reason: manual`) is issued and paid. */
  simulateInvoice(
    input: SimulationScope & PurchaseOptions & { customer: SimulatedCustomer; lineItems: SimulatedLineItem[]; fail?: boolean },
  ): Promise<InvoiceResult & { customer: Stripe.Customer }> {
    return this.call('POST', '/simulate/invoice', input);
  }

  /** A bare payment: no Checkout Session, no invoice. */
  simulatePayment(
    input: SimulationScope & {
      amount: number;
      currency?: string;
      customer?: SimulatedCustomer;
      email?: string;
      description?: string;
      metadata?: Record<string, string>;
      fail?: boolean;
    },
  ): Promise<PaymentResult> {
    return this.call('POST', '/simulate/payment', input);
  }

  /** The same effect as `POST /v1/refunds`, from the dashboard; `status: 'pending'` settles later with `settleRefund`. */
  simulateRefund(
    input: SimulationScope & {
      charge?: string;
      paymentIntent?: string;
      amount?: number;
      reason?: 'duplicate' | 'fraudulent' | 'requested_by_customer';
      metadata?: Record<string, string>;
      status?: 'succeeded' | 'pending';
    },
  ): Promise<RefundResult> {
    return this.call('POST', '/simulate/refund', input);
  }

  /** A pending refund succeeds or fails. */
  settleRefund(refundId: string, input: SimulationScope & { status: 'succeeded' | 'failed' }): Promise<RefundResult> {
    return this.call('POST', `/simulate/refund/${encodeURIComponent(refundId)}/settle`, input);
  }

  /** The cardholder disputes a charge. */
  simulateDispute(input: SimulationScope & { charge: string; amount?: number; reason?: string }): Promise<DisputeResult> {
    return this.call('POST', '/simulate/dispute', input);
  }

  /** The card network decides a dispute. */
  closeDispute(disputeId: string, input: SimulationScope & { outcome: 'won' | 'lost' }): Promise<SimulatedEvents & { dispute: Stripe.Dispute }> {
    return this.call('POST', `/simulate/dispute/${encodeURIComponent(disputeId)}/close`, input);
  }

  /** The customer cancels now, at the end of the period, or at a given time (`at`, Unix seconds). */
  cancelSubscription(
    input: SimulationScope & { subscription: string; atPeriodEnd?: boolean; at?: number },
  ): Promise<SimulatedEvents & { subscription: Stripe.Subscription }> {
    return this.call('POST', '/simulate/cancel-subscription', input);
  }

  /** What a Stripe App's `fetchStripeSignature()` sends its backend for this user and account. */
  signAppRequest(input: { user_id: string; account_id: string; timestamp?: number }): Promise<AppSignature> {
    return this.call('POST', '/apps/sign', input);
  }
}
