import { csvField, exportFileName, majorUnits, type OwedRow, paypalCsv, wiseCsv } from '../../../lambdas/console/payout-export';

const row = (owed: OwedRow['owed'], overrides: Partial<OwedRow> = {}): OwedRow => ({
  affiliateId: 'aff_01jabcdefghjkmnpqrstvwxyz0',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  owed,
  ...overrides,
});

describe('payout export', () => {
  it.each([
    [{ amount: 980, currency: 'usd' }, '9.80'],
    [{ amount: 5, currency: 'eur' }, '0.05'],
    [{ amount: 0, currency: 'usd' }, '0.00'],
    [{ amount: 99_999_999, currency: 'usd' }, '999999.99'],
    [{ amount: 1_500, currency: 'jpy' }, '1500'],
    [{ amount: 7, currency: 'krw' }, '7'],
    [{ amount: 1_500, currency: 'kwd' }, '1.500'],
    [{ amount: 9, currency: 'bhd' }, '0.009'],
  ])('writes %j in major units as %s', (money, expected) => {
    expect(majorUnits(money)).toBe(expected);
  });

  it('refuses an amount that is not a whole, non-negative count of minor units', () => {
    expect(() => majorUnits({ amount: 1.5, currency: 'usd' })).toThrow();
    expect(() => majorUnits({ amount: -100, currency: 'usd' })).toThrow();
  });

  it.each([
    ['plain', 'plain'],
    ['Lovelace, Ada', '"Lovelace, Ada"'],
    ['Ada "the Countess"', '"Ada ""the Countess"""'],
    ['two\nlines', '"two\nlines"'],
    [' padded ', '" padded "'],
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1 555', "'+1 555"],
    ['@SUM(A1)', "'@SUM(A1)"],
  ])('quotes %j as %s', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('writes PayPal rows without a header: e-mail, amount, currency, customer ID, note, wallet', () => {
    const file = paypalCsv([row({ amount: 980, currency: 'usd' }), row({ amount: 12_345, currency: 'usd' }, { email: 'bob@example.com', affiliateId: 'aff_2' })], 'usd', 'Commissions from Acme, thank you');
    expect(file).toBe(
      'ada@example.com,9.80,USD,aff_01jabcdefghjkmnpqrstvwxyz0,"Commissions from Acme, thank you",PAYPAL\r\n' +
        'bob@example.com,123.45,USD,aff_2,"Commissions from Acme, thank you",PAYPAL\r\n',
    );
  });

  it('writes yen without decimals in a PayPal file', () => {
    expect(paypalCsv([row({ amount: 1_500, currency: 'jpy' })], 'jpy', 'Thanks')).toBe('ada@example.com,1500,JPY,aff_01jabcdefghjkmnpqrstvwxyz0,Thanks,PAYPAL\r\n');
  });

  it('refuses to mix currencies in one PayPal file and leaves out what owes nothing', () => {
    expect(() => paypalCsv([row({ amount: 980, currency: 'usd' }), row({ amount: 100, currency: 'eur' })], 'usd', 'x')).toThrow(/one currency/);
    expect(paypalCsv([row({ amount: 0, currency: 'usd' })], 'usd', 'x')).toBe('');
  });

  it("writes Wise's send-by-e-mail template with its header and one row per affiliate and currency", () => {
    const file = wiseCsv(
      [row({ amount: 980, currency: 'usd' }), row({ amount: 1_500, currency: 'jpy' }, { name: null }), row({ amount: 0, currency: 'eur' })],
      'Acme commissions, Dec',
    );
    expect(file.split('\r\n')).toEqual([
      'name,recipientEmail,paymentReference,receiverType,amountCurrency,amount,sourceCurrency,targetCurrency',
      'Ada Lovelace,ada@example.com,Acme commissions D,PRIVATE,USD,9.80,USD,USD',
      'ada@example.com,ada@example.com,Acme commissions D,PRIVATE,JPY,1500,JPY,JPY',
      '',
    ]);
  });

  it('quotes a name with a comma in the Wise file', () => {
    expect(wiseCsv([row({ amount: 100, currency: 'gbp' }, { name: 'Lovelace, Ada' })], 'Ref').split('\r\n')[1]).toBe('"Lovelace, Ada",ada@example.com,Ref,PRIVATE,GBP,1.00,GBP,GBP');
  });

  it('names the file after the mode, format, currency and day', () => {
    expect(exportFileName({ mode: 'test', format: 'paypal', currency: 'USD', at: new Date('2026-12-08T10:00:00Z') })).toBe('tally-owed-test-paypal-usd-2026-12-08.csv');
    expect(exportFileName({ mode: 'live', format: 'wise', at: new Date('2026-12-08T10:00:00Z') })).toBe('tally-owed-live-wise-2026-12-08.csv');
  });
});
