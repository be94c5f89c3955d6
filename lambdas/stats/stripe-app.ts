import Stripe from 'stripe';
import * as z from 'zod';
import * as Affiliates from '../affiliates/affiliate';
import type { Affiliate } from '../affiliates/affiliate';
import type { Attribution, AttributionSource } from '../attribution/attribution';
import { findAccountClaim } from '../connect/connection';
import { NotFoundError } from '../core/errors';
import { type Mode, modeSchema, modes } from '../core/mode';
import type { Money } from '../core/money';
import { notAPurchase } from '../ledger/customer';
import { commissionIdOf, type DerivedLedger, type LedgerScope, type StripeRefs } from '../ledger/derive';
import { type CommissionStatus, statusAt } from '../ledger/status';
import {
  type CommissionLineResource,
  customerKey,
  type PurchaseItem,
  purchaseKey,
  purchaseResource,
  readCustomer,
  readReference,
  referenceKey,
  type StoredCommission,
  storedCommission,
} from '../ledger/store';
import { paymentReference } from '../ledger/stripe-objects';
import * as Merchants from '../merchants/merchant';
import { batchGet } from '../store/batch';
import { keys } from '../store/keys';
import { queryPage } from '../store/query';
import type { StripeAppCaller } from '../stripe/app-signature';
import { stripeFor } from '../stripe/client';
import { periodInput, periodOf, type Period } from './period';
import * as Stats from './stats';

/** What every view's request carries: the signed `user_id` and `account_id`, and the Dashboard's mode. */
function signedFields() {
  return { user_id: z.string().min(1).max(255), account_id: z.string().min(1).max(255), mode: modeSchema.optional() };
}

/**
 * What Tally's Stripe App posts: the signed `user_id` and `account_id`, and, unsigned, the mode
 * the Dashboard is in (the app's `environment.mode`) and an optional period. Other fields a newer
 * app may send are ignored.
 */
export const stripeAppStatsInput = periodInput.extend(signedFields());
export type StripeAppStatsInput = z.infer<typeof stripeAppStatsInput>;

export type StripeAppStats = Stats.Stats & {
  merchant: { id: string; name: string };
  /** The merchant's dashboard opened on the same stats, or null when the merchant set no dashboard URL. */
  dashboardUrl: string | null;
};

/**
 * The merchant connected as the account. A Stripe App request does not say its mode in what Stripe
 * signs, so the app sends it; without it, live is tried first, then test. The mode only chooses
 * between the account's own connections, so an unsigned mode cannot reach another account's data.
 */
export const connectedMerchant = async (accountId: string, mode?: Mode): Promise<{ merchantId: string; mode: Mode }> => {
  for (const candidate of mode ? [mode] : modes) {
    const claim = await findAccountClaim(candidate, accountId);
    if (claim?.status === 'connected') return { merchantId: claim.merchantId, mode: candidate };
  }
  throw new NotFoundError('A Tally merchant connected to this Stripe account');
};

/** `view=stats` with the mode and period, so the dashboard can open where the app left off. */
export const statsDeepLink = (dashboardUrl: string | null, mode: Mode, period: Period): string | null => {
  if (!dashboardUrl) return null;
  const url = new URL(dashboardUrl);
  url.searchParams.set('view', 'stats');
  url.searchParams.set('mode', mode);
  url.searchParams.set('from', period.from);
  url.searchParams.set('to', period.to);
  return url.toString();
};

export const statsFor = async (caller: StripeAppCaller, input: StripeAppStatsInput, now: Date): Promise<StripeAppStats> => {
  const period = periodOf(input, now);
  const {
    scope: { merchantId, mode },
    merchant,
  } = await viewOf(caller, input.mode);
  return {
    ...(await Stats.forPeriod(merchantId, mode, period)),
    merchant: { id: merchant.id, name: merchant.name },
    dashboardUrl: statsDeepLink(merchant.dashboardUrl, mode, period),
  };
};

// ── The customer, invoice and payment views ─────────────────────────────────────────────────────
// Every read below is in the partitions of the merchant connected as the signed account, in that
// mode: an object ID from another account finds nothing there and is a 404, like an unknown one.

const stripeId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[A-Za-z0-9]{1,250}$`), `a ${prefix}_… ID`);

export const stripeAppCustomerInput = z.object({ ...signedFields(), customer_id: stripeId('cus') });
export type StripeAppCustomerInput = z.infer<typeof stripeAppCustomerInput>;

/** One of the three IDs the invoice and payment views have: the Dashboard page's object. */
export const stripeAppPurchaseInput = z
  .object({ ...signedFields(), invoice_id: stripeId('in').optional(), payment_intent_id: stripeId('pi').optional(), charge_id: stripeId('ch').optional() })
  .refine((input) => [input.invoice_id, input.payment_intent_id, input.charge_id].filter(Boolean).length === 1, {
    message: 'Send exactly one of invoice_id, payment_intent_id and charge_id.',
  });
export type StripeAppPurchaseInput = z.infer<typeof stripeAppPurchaseInput>;

export interface AppAffiliate {
  id: string;
  name: string | null;
  referralCode: string;
  couponCode: string | null;
  status: Affiliate['status'];
}

export interface AppCommission {
  id: string;
  status: CommissionStatus;
  amount: Money;
  paid: Money;
  balance: Money;
  /** Earned, adjusted, held, released, reversed and paid, each with its reason. */
  lines: CommissionLineResource[];
  availableAt: string;
}

export interface AppPurchase {
  id: string;
  occurredAt: string;
  stripe: StripeRefs;
  total: Money;
  refunded: Money;
  affiliateId: string | null;
  source: AttributionSource | null;
  commission: AppCommission | null;
  /** Why it earns no commission, in plain words; null when it earns one. */
  noCommissionReason: string | null;
}

interface AppView {
  mode: Mode;
  merchant: { id: string; name: string };
}

export type StripeAppCustomer = AppView & {
  customerId: string;
  /** Who referred the customer (the stored attribution, which never changes), or null. */
  referral: { affiliate: AppAffiliate | null; source: AttributionSource; since: string } | null;
  /** Up to `customerPurchaseLimit` of the customer's purchases (the first its book holds), newest first; `morePurchases` says when there are others. */
  purchases: AppPurchase[];
  morePurchases: boolean;
};

export type StripeAppPurchase = AppView & {
  /** Null when Tally holds the object's facts but they make no purchase (`reason` says why). */
  purchase: AppPurchase | null;
  affiliate: AppAffiliate | null;
  reason: string | null;
};

const customerPurchaseLimit = 50;
const noAffiliate = 'No affiliate referred this customer.';

const appAffiliate = (affiliate: Affiliate): AppAffiliate => ({
  id: affiliate.id,
  name: affiliate.name,
  referralCode: affiliate.referralCode,
  couponCode: affiliate.couponCode,
  status: affiliate.status,
});

const appPurchase = (scope: LedgerScope, bookId: string, derived: DerivedLedger, now: Date): AppPurchase | null => {
  const { purchase, commission } = derived;
  if (!purchase) return null;
  const listed = purchaseResource(scope, purchase);
  const stored = commission ? storedCommission(scope, bookId, commission) : null;
  return {
    id: listed.id,
    occurredAt: listed.occurredAt,
    stripe: listed.stripe,
    total: listed.total,
    refunded: listed.refunded,
    affiliateId: listed.affiliateId,
    source: listed.attribution.source,
    commission: stored && {
      id: stored.id,
      status: statusAt(stored, now),
      amount: stored.amount,
      paid: stored.paid,
      balance: stored.balance,
      lines: stored.lines,
      availableAt: stored.availableAt,
    },
    noCommissionReason: listed.affiliateId ? listed.noCommissionReason : noAffiliate,
  };
};

/** The merchant connected as the signed account in the mode, and what every view says of it. */
async function viewOf(caller: StripeAppCaller, mode: Mode | undefined): Promise<{ scope: LedgerScope; merchant: Merchants.Merchant; view: AppView }> {
  const connected = await connectedMerchant(caller.accountId, mode);
  const merchant = await Merchants.get(connected.merchantId);
  return { scope: connected, merchant, view: { mode: connected.mode, merchant: { id: merchant.id, name: merchant.name } } };
}

const affiliateOf = async (merchantId: string, affiliateId: string | null | undefined): Promise<AppAffiliate | null> => {
  if (!affiliateId) return null;
  const [affiliate] = await Affiliates.getMany(merchantId, [affiliateId]);
  return affiliate ? appAffiliate(affiliate) : null;
};

/** The customer view: 404 when Tally knows nothing of the customer (no attribution, no purchase). */
export const customerFor = async (caller: StripeAppCaller, input: StripeAppCustomerInput, now: Date): Promise<StripeAppCustomer> => {
  const { scope, view } = await viewOf(caller, input.mode);
  const customerId = input.customer_id;
  const [found, page] = await Promise.all([
    batchGet([keys.attribution(scope.merchantId, scope.mode, customerId)]),
    queryPage<PurchaseItem>({ key: keys.ledgerPurchases(scope.merchantId, scope.mode, customerId) }, { limit: customerPurchaseLimit }),
  ]);
  const attribution = found.get<Attribution>(keys.attribution(scope.merchantId, scope.mode, customerId));
  const purchases = page.data
    .flatMap((item) => appPurchase(scope, customerId, item.derived, now) ?? [])
    .sort((a, b) => (a.occurredAt < b.occurredAt ? 1 : a.occurredAt > b.occurredAt ? -1 : 0));
  if (!attribution && purchases.length === 0) throw new NotFoundError('This customer in Tally');
  return {
    ...view,
    customerId,
    referral: attribution
      ? { affiliate: await affiliateOf(scope.merchantId, attribution.affiliateId), source: attribution.source, since: attribution.attributedAt }
      : null,
    purchases,
    morePurchases: page.nextCursor !== null,
  };
};

const stripeMissing = (error: unknown): boolean => error instanceof Stripe.errors.StripeError && error.statusCode === 404;

/** The customer of an invoice, or the payment intent of a charge, as the signed account's Stripe says. */
const onAccount = async <T>(scope: LedgerScope, accountId: string, read: (stripe: Stripe, options: Stripe.RequestOptions) => Promise<T>): Promise<T | null> => {
  try {
    return await read(await stripeFor(scope.mode), { stripeAccount: accountId });
  } catch (error) {
    if (stripeMissing(error)) return null;
    throw error;
  }
};

/**
 * Where the ledger keeps the purchase of the view's object. A payment is found by its reference
 * (`pi_…`, or `ch_…` for a charge without a payment intent; a charge with one is asked of Stripe
 * for it); an invoice by its commission, whose ID is derived from the invoice ID, or, when it
 * earned none, in its customer's book, which Stripe names. A Stripe call is made on the signed
 * account only, so another account's object is not found there.
 */
const purchaseLocation = async (scope: LedgerScope, accountId: string, input: StripeAppPurchaseInput): Promise<{ bookId: string; purchaseKey: string } | null> => {
  if (input.invoice_id) {
    const invoiceId = input.invoice_id;
    const commissionKey = keys.commission(scope.merchantId, scope.mode, commissionIdOf(scope, invoiceId));
    const commission = (await batchGet([commissionKey])).get<StoredCommission>(commissionKey);
    if (commission) return { bookId: commission.bookId, purchaseKey: commission.purchaseKey };
    const invoice = await onAccount(scope, accountId, (stripe, options) => stripe.invoices.retrieve(invoiceId, {}, options));
    const customer = invoice?.customer;
    const customerId = typeof customer === 'string' ? customer : customer?.id;
    return customerId ? { bookId: customerId, purchaseKey: invoiceId } : null;
  }
  const target = async (ref: string) => readReference(await batchGet([referenceKey(scope, ref)]), scope, ref).target ?? null;
  if (input.payment_intent_id) return target(input.payment_intent_id);
  // A charge is referenced by its own ID only when it has no payment intent.
  const chargeId = input.charge_id as string;
  const byCharge = await target(chargeId);
  if (byCharge) return byCharge;
  const charge = await onAccount(scope, accountId, (stripe, options) => stripe.charges.retrieve(chargeId, {}, options));
  const paymentIntent = charge?.payment_intent;
  const paymentIntentId = typeof paymentIntent === 'string' ? paymentIntent : (paymentIntent?.id ?? null);
  return paymentIntentId ? target(paymentReference(paymentIntentId, chargeId)) : null;
};

/** The invoice and payment views: the purchase, its commission with its lines, or why it earned none. */
export const purchaseFor = async (caller: StripeAppCaller, input: StripeAppPurchaseInput, now: Date): Promise<StripeAppPurchase> => {
  const { scope, view } = await viewOf(caller, input.mode);
  const location = await purchaseLocation(scope, caller.accountId, input);
  const itemKey = location && purchaseKey(scope, location.bookId, location.purchaseKey);
  const item = itemKey && (await batchGet([itemKey])).get<PurchaseItem>(itemKey);
  if (!location || !item) throw new NotFoundError('This purchase in Tally');
  const purchase = appPurchase(scope, location.bookId, item.derived, now);
  if (!purchase) {
    const { summary } = readCustomer(await batchGet([customerKey(scope, location.bookId)]), scope, location.bookId, null);
    return { ...view, purchase: null, affiliate: null, reason: notAPurchase(item.facts, summary) ?? 'Tally does not count it as a purchase.' };
  }
  return { ...view, purchase, affiliate: await affiliateOf(scope.merchantId, purchase.affiliateId), reason: purchase.noCommissionReason };
};
