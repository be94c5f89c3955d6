import type Stripe from 'stripe';
import { setTimeout as sleep } from 'node:timers/promises';
import { api } from './api';
import { createAffiliate, createMerchant, createPlan, type TestMerchant, unique } from './factories';
import { connectedMerchant, emulator, postEvent, webhookSecret } from './stripe';

type Mode = 'live' | 'test';

/** A merchant connected to its own emulated account, with settings and a default plan, ready to sell. */
export interface SellingMerchant extends TestMerchant {
  accountId: string;
  mode: Mode;
  plan: { id: string };
  affiliate: { id: string; referralCode: string; couponCode: string | null };
}

export const sellingMerchant = async (
  options: { mode?: Mode; settings?: Record<string, unknown>; plan?: Record<string, unknown>; affiliate?: Record<string, unknown> } = {},
): Promise<SellingMerchant> => {
  const mode = options.mode ?? 'test';
  const merchant = await createMerchant();
  const accountId = await connectedMerchant(merchant, mode);
  const settings = { holdDays: 0, ...options.settings };
  const patched = await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: settings });
  if (patched.status !== 200) throw new Error(`settings: ${patched.status} ${JSON.stringify(patched.body)}`);
  const plan = await createPlan(merchant, { rate: { percentBps: 2000 }, ...options.plan });
  const affiliate = await createAffiliate(merchant, { referralCode: unique('ref'), ...options.affiliate });
  return { ...merchant, accountId, mode, plan, affiliate };
};

/** The simulation scope of a merchant's account (its mode is the account's). */
export const on = (merchant: SellingMerchant) => ({ account: merchant.accountId });

/** Waits until the emulator has delivered everything it sent (our account's events included). */
export const delivered = () => emulator().waitForDeliveries(30_000);

export const purchasesOf = async (merchant: SellingMerchant, mode: Mode = merchant.mode) => {
  const response = await api('GET', '/v1/purchases', { key: merchant.apiKey, query: { mode, limit: 100 } });
  if (response.status !== 200) throw new Error(`purchases: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.data as any[];
};

export const commissionsOf = async (merchant: SellingMerchant, query: Record<string, string> = {}) => {
  const response = await api('GET', '/v1/commissions', { key: merchant.apiKey, query: { mode: merchant.mode, limit: 100, ...query } });
  if (response.status !== 200) throw new Error(`commissions: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.data as any[];
};

/** The amounts of a commission's lines, as `[type, amount]` pairs: what most assertions compare. */
export const lineAmounts = (commission: { lines: { type: string; amount: { amount: number } }[] }) =>
  commission.lines.map((line) => [line.type, line.amount.amount]);

/** A product with a fixed id, so plans can name it (`line_items` plans). */
export const product = (id: string, unitAmount: number, extra: Record<string, unknown> = {}) => ({ product: { id }, unitAmount, ...extra });

/** Only the events Tally subscribes to would reach it from Stripe. */
export const handled = (events: Stripe.Event[], types: readonly string[]) => events.filter((event) => types.includes(event.type));

/**
 * Delivers an event the way Stripe does: signed, and again after a pause while Tally answers
 * "retry" (409 under contention, 429, 5xx). Returns the final answer.
 */
export const deliver = async (event: Stripe.Event, secret: string) => {
  for (let attempt = 1; ; attempt++) {
    const response = await postEvent(event, { secret });
    if (response.status === 200 || response.status === 400 || attempt >= 20) return response;
    await sleep(50 * attempt + Math.random() * 50);
  }
};

export const testSecret = () => webhookSecret('test');
