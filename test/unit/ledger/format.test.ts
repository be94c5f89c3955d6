import { formatBasisPoints, formatMoney } from '../../../lambdas/ledger/format';

describe('money in a ledger line', () => {
  it.each([
    [9_990, 'usd', '99.90 USD'],
    [5, 'eur', '0.05 EUR'],
    [-1_250, 'usd', '-12.50 USD'],
    [500, 'jpy', '500 JPY'],
    // Stripe counts these in thousandths: 5120 is 5.120 dinars, not 51.20.
    [5_120, 'kwd', '5.120 KWD'],
    [-30, 'bhd', '-0.030 BHD'],
  ])('shows %i %s as %s', (amount, currency, shown) => {
    expect(formatMoney(amount, currency)).toBe(shown);
  });

  it('shows basis points as a percentage', () => {
    expect([1_250, 1_000, 5].map(formatBasisPoints)).toEqual(['12.5 %', '10 %', '0.05 %']);
  });
});
