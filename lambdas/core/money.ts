import * as z from 'zod';

/**
 * Money is an integer count of the currency's minor unit plus a lower-case ISO 4217 code. No
 * floating point ever touches an amount.
 */
export const currencySchema = z
  .string()
  .regex(/^[a-zA-Z]{3}$/, 'a three-letter ISO 4217 currency code')
  .transform((code) => code.toLowerCase());

/** A non-negative count of minor units. */
export const minorUnitsSchema = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

export const moneySchema = z.strictObject({
  amount: minorUnitsSchema,
  currency: currencySchema,
});
export type Money = z.infer<typeof moneySchema>;

/** Currencies whose minor unit is the unit itself (Stripe's list): 500 JPY is ¥500, not ¥5. */
export const zeroDecimalCurrencies: ReadonlySet<string> = new Set([
  'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf',
]);

export const isZeroDecimal = (currency: string): boolean => zeroDecimalCurrencies.has(currency.toLowerCase());

/** Currencies Stripe counts in thousandths (5.120 KWD is 5120), unlike the usual hundredths. */
export const threeDecimalCurrencies: ReadonlySet<string> = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** How many decimal places the currency's minor unit is: 0 (yen), 3 (dinars) or 2. */
export const minorUnitDigits = (currency: string): number =>
  isZeroDecimal(currency) ? 0 : threeDecimalCurrencies.has(currency.toLowerCase()) ? 3 : 2;
