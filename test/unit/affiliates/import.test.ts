import { type ParsedRow, maxImportRows, parseImportCsv, toCreateInput } from '../../../lambdas/affiliates/import';
import { ValidationError } from '../../../lambdas/core/errors';

const cellsOf = (rows: ParsedRow[]) => rows.map((row) => ('cells' in row ? row.cells : row.error));

const refusal = (csv: string): ValidationError => {
  try {
    parseImportCsv(csv);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
};

describe('parseImportCsv', () => {
  it('maps header names case-insensitively and in any order to the fields of POST /v1/affiliates', () => {
    const rows = parseImportCsv('CouponCode,EMAIL,Name,referralcode\nADA-15,ada@example.com,Ada Lovelace,ada\n');
    expect(rows).toEqual([{ row: 1, cells: { couponCode: 'ADA-15', email: 'ada@example.com', name: 'Ada Lovelace', referralCode: 'ada' } }]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF line ends and a BOM', () => {
    const csv = '\uFEFFemail,name\r\n"a@example.com","Lovelace, ""Ada"""\r\nb@example.com,"two\r\nlines"\r\n';
    expect(cellsOf(parseImportCsv(csv))).toEqual([
      { email: 'a@example.com', name: 'Lovelace, "Ada"' },
      { email: 'b@example.com', name: 'two\r\nlines' },
    ]);
  });

  it('reads a BOM in a Buffer as well', () => {
    const csv = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('email\nc@example.com\n')]);
    expect(cellsOf(parseImportCsv(csv))).toEqual([{ email: 'c@example.com' }]);
  });

  it('leaves empty cells out, trims cells, and skips blank lines without counting them', () => {
    const rows = parseImportCsv('email,name,couponCode\n\n a@example.com , ,\n\nb@example.com,Bea,\n');
    expect(rows).toEqual([
      { row: 1, cells: { email: 'a@example.com' } },
      { row: 2, cells: { email: 'b@example.com', name: 'Bea' } },
    ]);
  });

  it('reports a row with the wrong number of cells as that row, and reads the others', () => {
    const rows = parseImportCsv('email,name\na@example.com,Ada,extra\nb@example.com,Bea\n');
    expect(rows[0]).toEqual({ row: 1, error: { type: 'validation_error', message: 'The row has 3 cells; the header has 2.' } });
    expect(rows[1]).toEqual({ row: 2, cells: { email: 'b@example.com', name: 'Bea' } });
  });

  it('refuses unknown columns, naming each', () => {
    const error = refusal('email,first_name,ref_id\na@example.com,Ada,ada\n');
    expect(error.type).toBe('import.invalid_csv');
    expect(error.message).toContain('"first_name", "ref_id"');
    expect(error.issues).toEqual([
      { path: ['header', 'first_name'], message: 'unknown column' },
      { path: ['header', 'ref_id'], message: 'unknown column' },
    ]);
  });

  it.each([
    ['no email column', 'name,couponCode\nAda,ADA\n', /no email column/],
    ['a column twice', 'email,Email\na@example.com,b@example.com\n', /email appear more than once/],
    ['an empty body', '', /empty/],
    ['a header only', 'email\n', /no rows/],
    ['an unclosed quote', 'email,name\na@example.com,"Ada\n', /not valid CSV/],
  ])('refuses %s as a whole', (_case, csv, message) => {
    const error = refusal(csv);
    expect(error.type).toBe('import.invalid_csv');
    expect(error.message).toMatch(message);
  });

  it(`takes ${maxImportRows} rows and refuses one more`, () => {
    const csv = (count: number) => `email\n${Array.from({ length: count }, (_, i) => `a${i}@example.com`).join('\n')}\n`;
    expect(parseImportCsv(csv(maxImportRows))).toHaveLength(maxImportRows);
    expect(refusal(csv(maxImportRows + 1)).type).toBe('import.too_many_rows');
  });
});

describe('toCreateInput', () => {
  it('builds a percentage discount from its cells', () => {
    expect(toCreateInput({ email: 'a@example.com', couponCode: 'A-10', percentOff: '12.5', duration: 'repeating', durationInMonths: '3' })).toEqual({
      input: { email: 'a@example.com', couponCode: 'A-10', discount: { percentOff: 12.5, duration: 'repeating', durationInMonths: 3 } },
    });
  });

  it('builds an amount discount with its currency, lower-cased as the API stores it', () => {
    expect(toCreateInput({ email: 'a@example.com', couponCode: 'A-5', amountOff: '500', currency: 'USD', duration: 'once' })).toEqual({
      input: { email: 'a@example.com', couponCode: 'A-5', discount: { amountOff: 500, currency: 'usd', duration: 'once' } },
    });
  });

  it('gives no discount when no discount cell is filled', () => {
    expect(toCreateInput({ email: 'a@example.com', referralCode: 'ada' })).toEqual({ input: { email: 'a@example.com', referralCode: 'ada' } });
  });

  const issuePaths = (result: ReturnType<typeof toCreateInput>) =>
    'error' in result ? (result.error.issues ?? []).map((issue) => issue.path.join('.')) : [];

  it.each([
    ['no e-mail', { name: 'Ada' }, 'email'],
    ['a bad e-mail', { email: 'nope' }, 'email'],
    ['a percentage that is not a number', { email: 'a@example.com', couponCode: 'A', percentOff: '10%', duration: 'once' }, 'percentOff'],
    ['both a percentage and an amount', { email: 'a@example.com', couponCode: 'A', percentOff: '10', amountOff: '100', currency: 'usd', duration: 'once' }, 'percentOff'],
    ['an amount without a currency', { email: 'a@example.com', couponCode: 'A', amountOff: '100', duration: 'once' }, 'currency'],
    ['a discount without a duration', { email: 'a@example.com', couponCode: 'A', percentOff: '10' }, 'duration'],
    ['a repeating discount without months', { email: 'a@example.com', couponCode: 'A', percentOff: '10', duration: 'repeating' }, 'durationInMonths'],
    ['a coupon code with a space', { email: 'a@example.com', couponCode: 'SAVE 10' }, 'couponCode'],
  ])('refuses %s, naming the column', (_case, cells, column) => {
    const result = toCreateInput(cells);
    expect(result).toMatchObject({ error: { type: 'validation_error' } });
    expect(issuePaths(result)).toContain(column);
  });
});
