import type { Money } from './tally';

/** Minor units as the Dashboard's locale writes the currency: 123450 usd → "$1,234.50", 500 jpy → "¥500". */
export const formatMoney = ({ amount, currency }: Money, locale = 'en-US'): string => {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() });
  return format.format(amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
};

/** Amounts in several currencies, never added up across them; nothing is "0". */
export const formatAmounts = (amounts: readonly Money[], locale?: string): string =>
  amounts.length === 0 ? '0' : amounts.map((money) => formatMoney(money, locale)).join(' · ');

export const formatDay = (iso: string, locale = 'en-US'): string =>
  new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(iso));

export const sourceLabel = { metadata: 'Referral link or metadata', coupon: 'Coupon code', lead: 'Lead' } as const;
