import * as z from 'zod';
import { findAccountClaim } from '../connect/connection';
import { NotFoundError } from '../core/errors';
import { type Mode, modeSchema, modes } from '../core/mode';
import * as Merchants from '../merchants/merchant';
import type { StripeAppCaller } from '../stripe/app-signature';
import { periodInput, periodOf, type Period } from './period';
import * as Stats from './stats';

/**
 * What Tally's Stripe App posts: the signed `user_id` and `account_id`, and, unsigned, the mode
 * the Dashboard is in (the app's `environment.mode`) and an optional period. Other fields a newer
 * app may send are ignored.
 */
export const stripeAppStatsInput = periodInput.extend({
  user_id: z.string().min(1).max(255),
  account_id: z.string().min(1).max(255),
  mode: modeSchema.optional(),
});
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
  const { merchantId, mode } = await connectedMerchant(caller.accountId, input.mode);
  const merchant = await Merchants.get(merchantId);
  return {
    ...(await Stats.forPeriod(merchantId, mode, period)),
    merchant: { id: merchant.id, name: merchant.name },
    dashboardUrl: statsDeepLink(merchant.dashboardUrl, mode, period),
  };
};
