import * as z from 'zod';

/**
 * Stripe's maximum charge amount, in minor units (eight digits: $999,999.99). Nothing Tally is
 * paid on can be larger, and keeping every amount under it keeps any sum of them an exact integer.
 */
export const maxAmount = 99_999_999;

/**
 * The currencies Stripe can charge in (its "supported presentment currencies", docs.stripe.com/currencies),
 * lower-case as its API writes them. A commission in any other currency could never be matched to a payment.
 */
export const stripeCurrencies: ReadonlySet<string> = new Set([
  'aed', 'afn', 'all', 'amd', 'ang', 'aoa', 'ars', 'aud', 'awg', 'azn',
  'bam', 'bbd', 'bdt', 'bgn', 'bhd', 'bif', 'bmd', 'bnd', 'bob', 'brl', 'bsd', 'bwp', 'byn', 'bzd',
  'cad', 'cdf', 'chf', 'clp', 'cny', 'cop', 'crc', 'cve', 'czk',
  'djf', 'dkk', 'dop', 'dzd',
  'egp', 'etb', 'eur',
  'fjd', 'fkp',
  'gbp', 'gel', 'gip', 'gmd', 'gnf', 'gtq', 'gyd',
  'hkd', 'hnl', 'htg', 'huf',
  'idr', 'ils', 'inr', 'isk',
  'jmd', 'jod', 'jpy',
  'kes', 'kgs', 'khr', 'kmf', 'krw', 'kwd', 'kyd', 'kzt',
  'lak', 'lbp', 'lkr', 'lrd', 'lsl',
  'mad', 'mdl', 'mga', 'mkd', 'mmk', 'mnt', 'mop', 'mur', 'mvr', 'mwk', 'mxn', 'myr', 'mzn',
  'nad', 'ngn', 'nio', 'nok', 'npr', 'nzd',
  'omr',
  'pab', 'pen', 'pgk', 'php', 'pkr', 'pln', 'pyg',
  'qar',
  'ron', 'rsd', 'rub', 'rwf',
  'sar', 'sbd', 'scr', 'sek', 'sgd', 'shp', 'sle', 'sos', 'srd', 'std', 'szl',
  'thb', 'tjs', 'tnd', 'top', 'try', 'ttd', 'twd', 'tzs',
  'uah', 'ugx', 'usd', 'uyu', 'uzs',
  'vnd', 'vuv',
  'wst',
  'xaf', 'xcd', 'xof', 'xpf',
  'yer',
  'zar', 'zmw',
]);

/** Any case in, lower case out, as Stripe writes currencies. */
export const currencySchema = z
  .string()
  .transform((code) => code.toLowerCase())
  .refine((code) => stripeCurrencies.has(code), 'not a currency Stripe supports (a three-letter ISO 4217 code such as "usd")');

/** A non-negative count of minor units, no more than Stripe would ever charge. */
export const minorUnitsSchema = z.int().min(0).max(maxAmount);

/**
 * Money is an integer count of the currency's minor unit plus a lower-case ISO 4217 code. No
 * floating point ever touches an amount.
 */
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

const maxExact = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * `a + b`, exactly. Each amount Tally accepts is at most `maxAmount`, but a total over very many
 * can pass 2^53, where a number silently rounds: the sum is done in BigInt, and one a number cannot
 * hold exactly fails loudly (naming `what`) instead of showing a figure that is slightly wrong.
 */
export const exactSum = (a: number, b: number, what = 'a total'): number => {
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw new Error(`${what} holds ${Number.isSafeInteger(a) ? b : a}, which is not an exact integer`);
  const sum = BigInt(a) + BigInt(b);
  if (sum > maxExact || sum < -maxExact) throw new Error(`${what} adds up to ${sum}, more than a number holds exactly`);
  return Number(sum);
};
