import { minorUnitDigits } from '../core/money';

/**
 * Money as people read it in a ledger line's reason ("12.5 % of 99.90 USD"), built from the integer
 * with string operations only: 9990 usd → "99.90 USD", 500 jpy → "500 JPY", 5120 kwd → "5.120 KWD".
 */
export const formatMoney = (amount: number, currency: string): string => {
  const code = currency.toUpperCase();
  const places = minorUnitDigits(currency);
  if (places === 0) return `${amount} ${code}`;
  const sign = amount < 0 ? '-' : '';
  const digits = String(Math.abs(amount)).padStart(places + 1, '0');
  return `${sign}${digits.slice(0, -places)}.${digits.slice(-places)} ${code}`;
};

/** 1250 → "12.5 %", 1000 → "10 %", 5 → "0.05 %". */
export const formatBasisPoints = (bps: number): string => {
  const whole = Math.floor(bps / 100);
  const fraction = String(bps % 100).padStart(2, '0').replace(/0+$/, '');
  return `${whole}${fraction ? `.${fraction}` : ''} %`;
};
