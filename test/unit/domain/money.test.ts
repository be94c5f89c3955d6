import {
  currencySchema,
  maxAmount,
  minorUnitsSchema,
  moneySchema,
  stripeCurrencies,
  threeDecimalCurrencies,
  zeroDecimalCurrencies,
} from '../../../lambdas/core/money';

describe('amounts', () => {
  it("caps amounts at Stripe's maximum charge, 99,999,999 minor units", () => {
    expect(maxAmount).toBe(99_999_999);
    expect(minorUnitsSchema.safeParse(99_999_999).success).toBe(true);
  });

  it.each([
    ['one over the maximum', 100_000_000],
    ['2^53', 2 ** 53],
    ['a negative amount', -1],
    ['a fraction', 1.5],
  ])('refuses %s', (_case, amount) => {
    expect(minorUnitsSchema.safeParse(amount).success).toBe(false);
  });

  it('accepts zero', () => {
    expect(minorUnitsSchema.parse(0)).toBe(0);
  });
});

describe('currencies', () => {
  it('lower-cases a currency given in any case', () => {
    expect(currencySchema.parse('USD')).toBe('usd');
    expect(currencySchema.parse('Eur')).toBe('eur');
  });

  it.each(['usd', 'eur', 'gbp', 'jpy', 'krw', 'kwd', 'bhd', 'jod', 'omr', 'tnd', 'chf', 'inr', 'brl'])('accepts %s', (code) => {
    expect(currencySchema.parse(code)).toBe(code);
  });

  it.each(['xyz', 'abc', 'us', 'usdd', '', 'u$d', 'xau'])('refuses %j, saying Stripe does not support it', (code) => {
    const result = currencySchema.safeParse(code);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([expect.stringMatching(/not a currency Stripe supports/)]);
  });

  it('counts every zero- and three-decimal currency among those Stripe supports', () => {
    expect([...zeroDecimalCurrencies, ...threeDecimalCurrencies].filter((code) => !stripeCurrencies.has(code))).toEqual([]);
  });

  it('holds only lower-case three-letter codes', () => {
    expect([...stripeCurrencies].filter((code) => !/^[a-z]{3}$/.test(code))).toEqual([]);
  });
});

describe('money', () => {
  it('takes an amount and a currency, and gives the currency in lower case', () => {
    expect(moneySchema.parse({ amount: 99_999_999, currency: 'JPY' })).toEqual({ amount: 99_999_999, currency: 'jpy' });
  });

  it.each([
    [{ amount: 100_000_000, currency: 'usd' }, 'amount'],
    [{ amount: 2 ** 53, currency: 'usd' }, 'amount'],
    [{ amount: 100, currency: 'xyz' }, 'currency'],
  ])('refuses %j at %s', (money, field) => {
    const result = moneySchema.safeParse(money);
    expect(result.success).toBe(false);
    expect(new Set(result.error?.issues.map((issue) => issue.path.join('.')))).toEqual(new Set([field]));
  });
});
