/**
 * What Tally's signed `/stripe-app/*` routes answer (lambdas/stats/stripe-app.ts on the backend).
 * Written out here because the app is its own package that reaches Tally only over HTTP.
 */

export type Mode = 'live' | 'test';

export interface Money {
  amount: number;
  currency: string;
}

export interface Merchant {
  id: string;
  name: string;
}

export interface AffiliateFigures {
  affiliateId: string;
  name: string | null;
  referralCode: string;
  sales: { count: number; amounts: Money[] };
  commissions: { amounts: Money[] };
  visits: number;
  leads: number;
}

export interface Stats {
  mode: Mode;
  from: string;
  to: string;
  sales: { count: number; amounts: Money[] };
  commissions: { amounts: Money[]; earned: Money[]; reversed: Money[] };
  refunds: { count: number; amounts: Money[] };
  visits: number;
  leads: number;
  newAffiliates: number;
  topAffiliates: AffiliateFigures[];
  merchant: Merchant;
}

export type AttributionSource = 'metadata' | 'coupon' | 'lead';
export type CommissionStatus = 'pending' | 'approved' | 'held' | 'reversed' | 'paid';
export type LineType = 'earned' | 'adjusted' | 'held' | 'released' | 'reversed' | 'paid';

export interface Affiliate {
  id: string;
  name: string | null;
  referralCode: string;
  couponCode: string | null;
  status: 'active' | 'archived';
}

export interface Commission {
  id: string;
  status: CommissionStatus;
  amount: Money;
  paid: Money;
  balance: Money;
  lines: { type: LineType; amount: Money; reason: string; at: string }[];
  availableAt: string;
}

export interface Purchase {
  id: string;
  occurredAt: string;
  stripe: { customerId: string | null; invoiceId?: string; chargeId?: string; paymentIntentId?: string };
  total: Money;
  refunded: Money;
  affiliateId: string | null;
  source: AttributionSource | null;
  commission: Commission | null;
  noCommissionReason: string | null;
}

export interface CustomerView {
  mode: Mode;
  merchant: Merchant;
  customerId: string;
  referral: { affiliate: Affiliate | null; source: AttributionSource; since: string } | null;
  purchases: Purchase[];
  morePurchases: boolean;
}

export interface PurchaseView {
  mode: Mode;
  merchant: Merchant;
  purchase: Purchase | null;
  affiliate: Affiliate | null;
  reason: string | null;
}
