import type Stripe from 'stripe';
import { resourceMissing } from './errors';
import { Collection, scopeKey, type IndexKey, type Scope } from './store';

/**
 * Every object type the emulator stores, with the SDK type it is returned as. Adding a resource means
 * adding a line here (and, when it has them, its indexes and expandable fields below).
 */
export interface ObjectTypes {
  charge: Stripe.Charge;
  'checkout.session': Stripe.Checkout.Session;
  coupon: Stripe.Coupon;
  customer: Stripe.Customer;
  discount: Stripe.Discount;
  dispute: Stripe.Dispute;
  event: Stripe.Event;
  invoice: Stripe.Invoice;
  invoice_payment: Stripe.InvoicePayment;
  payment_intent: Stripe.PaymentIntent;
  price: Stripe.Price;
  product: Stripe.Product;
  promotion_code: Stripe.PromotionCode;
  refund: Stripe.Refund;
  subscription: Stripe.Subscription;
  tax_rate: Stripe.TaxRate;
  webhook_endpoint: Stripe.WebhookEndpoint;
}

export type ObjectType = keyof ObjectTypes;

/**
 * What the emulator keeps about an object that the object itself does not show: the lines of an
 * invoice beyond the embedded page, a Checkout Session's line items and what it will create once paid.
 */
export interface Attachments {
  'checkout.session': {
    lineItems: Stripe.LineItem[];
    /** The Discount objects of `discounts`, in order. */
    discounts: string[];
    taxRate: Stripe.TaxRate | null;
    trialDays: number | null;
    subscriptionMetadata: Record<string, string>;
    paymentIntentMetadata: Record<string, string>;
  };
  invoice: { lines: Stripe.InvoiceLineItem[] };
}

export const idOf = (value: string | { id: string } | null): string | null => (typeof value === 'string' || value === null ? value : value.id);

type IndexDefinitions = { [K in ObjectType]?: Record<string, IndexKey<ObjectTypes[K]>> };

const indexes: IndexDefinitions = {
  charge: { customer: (charge) => idOf(charge.customer), payment_intent: (charge) => idOf(charge.payment_intent) },
  'checkout.session': {
    customer: (session) => idOf(session.customer),
    payment_intent: (session) => idOf(session.payment_intent),
    subscription: (session) => idOf(session.subscription),
  },
  // Stripe's `email` filter is case-sensitive.
  customer: { email: (customer) => customer.email },
  dispute: { charge: (dispute) => idOf(dispute.charge), payment_intent: (dispute) => idOf(dispute.payment_intent) },
  invoice: {
    customer: (invoice) => idOf(invoice.customer),
    subscription: (invoice) => idOf(invoice.parent?.subscription_details?.subscription ?? null),
  },
  invoice_payment: {
    invoice: (payment) => idOf(payment.invoice),
    payment_intent: (payment) => idOf(payment.payment.payment_intent ?? null),
  },
  payment_intent: { customer: (intent) => idOf(intent.customer) },
  price: { product: (price) => idOf(price.product) },
  promotion_code: {
    // Codes are unique among active codes regardless of case, and the list filter ignores case too.
    code: (promo) => promo.code.toLowerCase(),
    coupon: (promo) => idOf(promo.promotion.coupon),
    customer: (promo) => idOf(promo.customer),
  },
  refund: { charge: (refund) => idOf(refund.charge), payment_intent: (refund) => idOf(refund.payment_intent) },
  subscription: { customer: (subscription) => idOf(subscription.customer) },
  tax_rate: { percentage: (rate) => `${rate.inclusive ? 'inclusive' : 'exclusive'}:${rate.percentage}` },
};

/**
 * Fields holding the id (or a list of ids) of another object that `expand[]` may replace by the
 * object, keyed by their path inside the owning object (`promotion.coupon` sits in the embedded
 * `promotion` hash, `lines.data.discounts` in the embedded list of lines). Keyed by the `object` name
 * an owner carries, so objects that are only ever embedded (`item`, `line_item`) have fields too.
 */
export const expandableFields: Record<string, Record<string, string>> = {
  charge: { customer: 'customer', payment_intent: 'payment_intent' },
  'checkout.session': {
    customer: 'customer',
    invoice: 'invoice',
    payment_intent: 'payment_intent',
    subscription: 'subscription',
    'discounts.coupon': 'coupon',
    'discounts.promotion_code': 'promotion_code',
  },
  discount: { customer: 'customer', promotion_code: 'promotion_code', 'source.coupon': 'coupon' },
  dispute: { charge: 'charge', payment_intent: 'payment_intent' },
  invoice: {
    customer: 'customer',
    discounts: 'discount',
    'parent.subscription_details.subscription': 'subscription',
    'total_discount_amounts.discount': 'discount',
    'lines.data.discounts': 'discount',
    'lines.data.discount_amounts.discount': 'discount',
    'lines.data.pricing.price_details.price': 'price',
  },
  invoice_payment: { invoice: 'invoice', 'payment.charge': 'charge', 'payment.payment_intent': 'payment_intent' },
  item: { 'price.product': 'product' },
  line_item: { discounts: 'discount', 'discount_amounts.discount': 'discount', 'pricing.price_details.price': 'price' },
  payment_intent: { customer: 'customer', latest_charge: 'charge' },
  price: { product: 'product' },
  product: { default_price: 'price' },
  promotion_code: { 'promotion.coupon': 'coupon', customer: 'customer' },
  refund: { charge: 'charge', customer: 'customer', payment_intent: 'payment_intent' },
  subscription: {
    customer: 'customer',
    discounts: 'discount',
    latest_invoice: 'invoice',
    'items.data.price.product': 'product',
  },
};

/** The noun Stripe uses in "No such …" messages. */
export const objectNouns: Record<ObjectType, string> = {
  charge: 'charge',
  'checkout.session': 'checkout.session',
  coupon: 'coupon',
  customer: 'customer',
  discount: 'discount',
  dispute: 'dispute',
  event: 'event',
  invoice: 'invoice',
  invoice_payment: 'invoice payment',
  payment_intent: 'payment_intent',
  price: 'price',
  product: 'product',
  promotion_code: 'promotion code',
  refund: 'refund',
  subscription: 'subscription',
  tax_rate: 'tax rate',
  webhook_endpoint: 'webhook endpoint',
};

/** Each scope's collections, one per type; a map keyed by type can only hold them untyped. */
interface ScopeData {
  scope: Scope;
  collections: Map<ObjectType, unknown>;
  attached: Map<string, unknown>;
}

export class ObjectStore {
  private readonly scopes = new Map<string, ScopeData>();

  private data(scope: Scope): ScopeData {
    const key = scopeKey(scope);
    let data = this.scopes.get(key);
    if (!data) this.scopes.set(key, (data = { scope: { ...scope }, collections: new Map(), attached: new Map() }));
    return data;
  }

  collection<K extends ObjectType>(scope: Scope, type: K): Collection<ObjectTypes[K]> {
    const { collections } = this.data(scope);
    let collection = collections.get(type) as Collection<ObjectTypes[K]> | undefined;
    if (!collection) {
      collection = new Collection<ObjectTypes[K]>(indexes[type] as Record<string, IndexKey<ObjectTypes[K]>> | undefined);
      collections.set(type, collection);
    }
    return collection;
  }

  /** A live object, or Stripe's `resource_missing` error for it (the request's `param` and status). */
  retrieve<K extends ObjectType>(scope: Scope, type: K, id: string, param = 'id', status = 404): ObjectTypes[K] {
    const object = this.collection(scope, type).get(id);
    if (!object) throw resourceMissing(objectNouns[type], id, param, status);
    return object;
  }

  /** Any stored type by name, for expansions whose target type is only known at run time. */
  find(scope: Scope, type: string, id: string): { id: string } | undefined {
    if (!isObjectType(type)) return undefined;
    return this.collection(scope, type).getIncludingRemoved(id);
  }

  attachment<K extends keyof Attachments>(scope: Scope, type: K, id: string): Attachments[K] {
    const attachment = this.data(scope).attached.get(`${type}:${id}`);
    if (!attachment) throw new Error(`${type} ${id} has nothing attached`);
    return attachment as Attachments[K];
  }

  attach<K extends keyof Attachments>(scope: Scope, type: K, id: string, attachment: Attachments[K]): void {
    this.data(scope).attached.set(`${type}:${id}`, attachment);
  }

  /** Every scope that holds objects of `type`, for work that spans accounts (the clock ending subscriptions). */
  *scopesWith(type: ObjectType): IterableIterator<Scope> {
    for (const { scope, collections } of this.scopes.values()) if (collections.has(type)) yield scope;
  }

  clear(): void {
    this.scopes.clear();
  }
}

export function isObjectType(type: string): type is ObjectType {
  return Object.hasOwn(objectNouns, type);
}
