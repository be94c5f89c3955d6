import type { Discount } from '../affiliates/schema';
import { formatMoney } from './format';

/** What the console and the portal both say about an affiliate. */

/** The merchant's site with `?ref=<code>`, or null when the merchant has not given (a valid) one. */
export const referralLink = (siteUrl: string | null | undefined, referralCode: string): string | null => {
  if (!siteUrl) return null;
  try {
    const url = new URL(siteUrl);
    url.searchParams.set('ref', referralCode);
    return url.toString();
  } catch {
    return null;
  }
};

/** "15% off, every payment", "$5.00 off, for 3 months", or "None". */
export const discountText = (discount: Discount | null): string => {
  if (!discount) return 'None';
  const off =
    discount.percentOff !== undefined ? `${discount.percentOff}% off` : `${formatMoney({ amount: discount.amountOff ?? 0, currency: discount.currency ?? 'usd' })} off`;
  const duration = discount.duration === 'once' ? 'the first payment' : discount.duration === 'forever' ? 'every payment' : `for ${discount.durationInMonths} months`;
  return `${off}, ${duration}`;
};
