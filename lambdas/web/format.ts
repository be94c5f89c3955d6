import type { ErrorIssue } from '../core/errors';
import type { Mode } from '../core/mode';

/**
 * How pages show money, times and API errors. Money is integer minor units: Intl knows each
 * currency's decimals (JPY has none, KWD three), so 1500 JPY is ¥1,500 and 1500 USD is $15.00.
 */

export interface Money {
  amount: number;
  currency: string;
}

const formatters = new Map<string, Intl.NumberFormat>();
const formatterOf = (currency: string): Intl.NumberFormat => {
  const key = currency.toUpperCase();
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-US', { style: 'currency', currency: key });
    formatters.set(key, formatter);
  }
  return formatter;
};

export const minorDigits = (currency: string): number => formatterOf(currency).resolvedOptions().maximumFractionDigits ?? 2;

export const formatMoney = (money: Money): string => formatterOf(money.currency).format(money.amount / 10 ** minorDigits(money.currency));

/** A list of amounts in several currencies, each formatted: "$12.00 · ¥1,500", or "—". */
export const formatAmounts = (amounts: readonly Money[]): string => (amounts.length === 0 ? '—' : amounts.map(formatMoney).join(' · '));

/** A whole number with thousands separators. */
export const formatCount = (count: number): string => count.toLocaleString('en-US');

/** An API issue's path as the form field it concerns: `['rate', 'percentBps']` → `rate.percentBps`. */
export const fieldErrors = (issues: readonly ErrorIssue[] | undefined): Record<string, string> => {
  const errors: Record<string, string> = {};
  for (const issue of issues ?? []) {
    const field = issue.path.join('.') || '_form';
    errors[field] ??= issue.message;
  }
  return errors;
};

/** A customer's e-mail as an affiliate may see it: `jo…@ex…com`. */
export const maskEmail = (email: string | null | undefined): string => {
  if (!email) return '—';
  const [local = '', domain = ''] = email.split('@');
  const dot = domain.lastIndexOf('.');
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${local.slice(0, 2)}…@${host.slice(0, 2)}…${tld}`;
};

/** A Stripe mode as pages name it. */
export const modeName = (mode: Mode): string => (mode === 'live' ? 'Live' : 'Test');
