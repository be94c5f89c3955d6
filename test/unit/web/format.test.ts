import { fieldErrors, formatAmounts, formatMoney, maskEmail, minorDigits } from '../../../lambdas/web/format';

describe('how pages show money and errors', () => {
  it('formats minor units with each currency’s own decimals', () => {
    expect(formatMoney({ amount: 123_456, currency: 'usd' })).toBe('$1,234.56');
    expect(formatMoney({ amount: 1_500, currency: 'jpy' })).toBe('¥1,500');
    expect(formatMoney({ amount: 1_500, currency: 'kwd' }).replace(/\s/g, ' ')).toBe('KWD 1.500');
    expect(minorDigits('JPY')).toBe(0);
    expect(formatAmounts([{ amount: 500, currency: 'eur' }, { amount: 7, currency: 'jpy' }])).toBe('€5.00 · ¥7');
    expect(formatAmounts([])).toBe('—');
  });

  it('puts each API issue beside the field its path names, the first one only', () => {
    expect(
      fieldErrors([
        { path: ['rate', 'percentBps'], message: 'too high' },
        { path: ['rate', 'percentBps'], message: 'second' },
        { path: [], message: 'whole form' },
      ]),
    ).toEqual({ 'rate.percentBps': 'too high', _form: 'whole form' });
  });

  it('masks a customer’s e-mail so an affiliate cannot read it', () => {
    expect(maskEmail('jonathan@example.com')).toBe('jo…@ex….com');
    expect(maskEmail(null)).toBe('—');
    expect(maskEmail('jonathan@example.com')).not.toContain('jonathan');
  });
});
