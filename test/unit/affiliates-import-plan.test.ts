import { type CheckedRow, checkRows, parseImportCsv, planRound } from '../../lambdas/affiliates/import';

const checked = (csv: string): CheckedRow[] =>
  checkRows(parseImportCsv(csv)).filter((row): row is CheckedRow => 'input' in row);

const rowsOf = (rows: readonly { row: number }[]) => rows.map(({ row }) => row);

describe('checkRows', () => {
  it('reports the rows the schema or the create refuses before any write, and passes the others on', () => {
    const rows = checkRows(
      parseImportCsv(
        [
          'email,couponCode,percentOff,duration,name',
          'a@example.com,A-10,10,once,Ada',
          'not-an-email,,,,',
          'b@example.com,,10,once,',
          'c@example.com,C-5,5,forever,',
          'd@example.com,too,many,cells,here,x',
        ].join('\n'),
      ),
    );
    expect(rows).toEqual([
      { row: 1, input: { email: 'a@example.com', couponCode: 'A-10', name: 'Ada', discount: { percentOff: 10, duration: 'once' } } },
      { row: 2, status: 'failed', error: expect.objectContaining({ type: 'validation_error', issues: [expect.objectContaining({ path: ['email'] })] }) },
      // A discount without a coupon code is what Affiliates.create refuses, before it writes.
      { row: 3, status: 'failed', error: expect.objectContaining({ type: 'validation_error', issues: [expect.objectContaining({ path: ['discount'] })] }) },
      { row: 4, input: expect.objectContaining({ email: 'c@example.com', couponCode: 'C-5' }) },
      { row: 5, status: 'failed', error: expect.objectContaining({ type: 'validation_error', message: 'The row has 6 cells; the header has 5.' }) },
    ]);
  });
});

describe('planRound', () => {
  it('attempts every row at once when no two share a code or an e-mail', () => {
    const rows = checked('email,referralCode,couponCode\na@example.com,ada,A\nb@example.com,bea,B\nc@example.com,,\n');
    expect(planRound(rows, new Map())).toEqual({ attempt: rows, deferred: [], duplicates: [] });
  });

  it.each([
    ['coupon code', 'email,couponCode\na@example.com,SAME\nb@example.com,same\n'],
    ['referral code', 'email,referralCode\na@example.com,Ada\nb@example.com,ada\n'],
    ['e-mail', 'email\nAda@Example.com\nada@example.com\n'],
  ])('lets a row wait for an earlier row with the same %s in any case', (_kind, csv) => {
    const [first, second] = checked(csv);
    const round = planRound([first!, second!], new Map());
    expect(rowsOf(round.attempt)).toEqual([1]);
    expect(rowsOf(round.deferred)).toEqual([2]);
    expect(round.duplicates).toEqual([]);
  });

  it('answers a waiting row as taken once the earlier row was created, naming that row', () => {
    const rows = checked('email,couponCode,referralCode\na@example.com,SAME,ada\nb@example.com,same,bea\nc@example.com,OTHER,Ada\n');
    const first = planRound(rows, new Map());
    expect(rowsOf(first.attempt)).toEqual([1]);
    // Row 1 was created: its claims are held.
    const held = new Map([['coupon:same', 1], ['referral:ada', 1], ['email:a@example.com', 1]]);
    const second = planRound(first.deferred, held);
    expect(second.attempt).toEqual([]);
    expect(second.deferred).toEqual([]);
    expect(second.duplicates).toEqual([
      { row: 2, status: 'failed', error: { type: 'affiliate.coupon_code_taken', message: 'The coupon code "same" is already in use. Row 1 of this file took it.' } },
      { row: 3, status: 'failed', error: { type: 'affiliate.referral_code_taken', message: 'The referral code "Ada" is already in use. Row 1 of this file took it.' } },
    ]);
  });

  it('tries a waiting row in the next round when the earlier row failed, one of several at a time', () => {
    const rows = checked('email,couponCode\na@example.com,SAME\nb@example.com,Same\nc@example.com,sAME\nd@example.com,FREE\n');
    const first = planRound(rows, new Map());
    expect(rowsOf(first.attempt)).toEqual([1, 4]);
    expect(rowsOf(first.deferred)).toEqual([2, 3]);
    // Row 1 failed (its e-mail was taken, say) and row 4 was created: row 2 goes next, row 3 still waits.
    const second = planRound(first.deferred, new Map([['coupon:free', 4], ['email:d@example.com', 4]]));
    expect(rowsOf(second.attempt)).toEqual([2]);
    expect(rowsOf(second.deferred)).toEqual([3]);
  });

  it('keeps a row behind a waiting row it shares a code with, so file order decides', () => {
    // Row 2 waits for row 1 (coupon); row 3 shares only row 2's referral code, and must not overtake it.
    const rows = checked('email,couponCode,referralCode\na@example.com,SAME,ada\nb@example.com,same,bea\nc@example.com,C,bea\n');
    const round = planRound(rows, new Map());
    expect(rowsOf(round.attempt)).toEqual([1]);
    expect(rowsOf(round.deferred)).toEqual([2, 3]);
  });
});
