import { CsvError, parse } from 'csv-parse/sync';
import { type ErrorIssue, PayloadTooLargeError, TallyError, ValidationError } from '../core/errors';
import { logger } from '../core/logger';
import { zodIssues } from '../core/validation';
import * as Affiliates from './affiliate';
import { type CreateAffiliateInput, createAffiliateInput } from './schema';

/** At most this many rows per import: one invocation creates them all, 10,000 at about 1–2 MB of CSV. */
export const maxImportRows = 10_000;
/** Room for 10,000 full rows; base64-encoded by API Gateway it still fits Lambda's 6 MB event. */
export const maxImportBytes = 3 * 1024 * 1024;
/** Rows created at once: each is one DynamoDB transaction, whose round trip is what an import waits on. */
export const importConcurrency = 16;

/** The CSV columns (header names match case-insensitively) and the field of `POST /v1/affiliates` each fills. */
const columnOf = {
  email: 'email',
  name: 'name',
  referralcode: 'referralCode',
  couponcode: 'couponCode',
  percentoff: 'percentOff',
  amountoff: 'amountOff',
  currency: 'currency',
  duration: 'duration',
  durationinmonths: 'durationInMonths',
} as const;
export type ImportColumn = (typeof columnOf)[keyof typeof columnOf];
const numericColumns = new Set<ImportColumn>(['percentOff', 'amountOff', 'durationInMonths']);

export type ImportCells = Partial<Record<ImportColumn, string>>;

/** One data row: `row` 1 is the first row after the header; blank lines are skipped and not counted. */
export type ParsedRow = { row: number; cells: ImportCells } | { row: number; error: RowError };

export interface RowError {
  type: string;
  message: string;
  issues?: ErrorIssue[];
}

export interface RowResult {
  row: number;
  status: 'created' | 'failed';
  affiliateId?: string;
  error?: RowError;
}

export interface ImportResult {
  created: number;
  failed: number;
  rows: RowResult[];
}

const invalidCsv = (message: string, issues?: ErrorIssue[]) => new ValidationError(message, issues, 'import.invalid_csv');

/** The header's columns in file order; an unknown, repeated or missing required column refuses the file. */
const readHeader = (header: readonly string[]): ImportColumn[] => {
  const names = header.map((name) => name.trim());
  const unknown = names.filter((name) => !Object.hasOwn(columnOf, name.toLowerCase()));
  if (unknown.length > 0)
    throw invalidCsv(
      `Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name}"`).join(', ')}; the columns are ${Object.values(columnOf).join(', ')}.`,
      unknown.map((name) => ({ path: ['header', name], message: 'unknown column' })),
    );
  const columns = names.map((name) => columnOf[name.toLowerCase() as keyof typeof columnOf]);
  const repeated = columns.filter((column, index) => columns.indexOf(column) !== index);
  if (repeated.length > 0)
    throw invalidCsv(`Column${repeated.length > 1 ? 's' : ''} ${[...new Set(repeated)].join(', ')} appear more than once.`);
  if (!columns.includes('email')) throw invalidCsv('The CSV has no email column; the header row must name one.');
  return columns;
};

/**
 * Reads an import file (RFC 4180: quoted fields, doubled quotes, CRLF or LF, an optional BOM) into
 * rows of named cells. What makes the whole file unusable (not CSV, a bad header, too many rows)
 * is a ValidationError; a row with the wrong number of cells is only that row's error.
 */
export const parseImportCsv = (csv: Buffer | string): ParsedRow[] => {
  let records: string[][];
  try {
    // The header plus one row over the limit is enough to know the file is too long.
    records = parse(csv, { bom: true, skip_empty_lines: true, relax_column_count: true, to: maxImportRows + 2 });
  } catch (error) {
    if (error instanceof CsvError) throw invalidCsv(`The body is not valid CSV: ${error.message}`);
    throw error;
  }
  const [header, ...data] = records;
  if (!header) throw invalidCsv('The CSV is empty; it needs a header row and at least one row.');
  const columns = readHeader(header);
  if (data.length === 0) throw invalidCsv('The CSV has a header but no rows to import.');
  if (data.length > maxImportRows)
    throw new ValidationError(`An import takes at most ${maxImportRows} rows; split the file.`, undefined, 'import.too_many_rows');
  return data.map((record, index) => {
    const row = index + 1;
    if (record.length !== columns.length)
      return {
        row,
        error: { type: 'validation_error', message: `The row has ${record.length} cells; the header has ${columns.length}.` },
      };
    const cells: ImportCells = {};
    columns.forEach((column, at) => {
      const value = (record[at] as string).trim();
      if (value !== '') cells[column] = value;
    });
    return { row, cells };
  });
};

/** Decimal numbers become numbers; anything else stays text, for the schema to refuse by name. */
const cellValue = (column: ImportColumn, value: string): string | number =>
  numericColumns.has(column) && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;

/** An issue of `POST /v1/affiliates`'s schema, pointed at the CSV column it came from. */
const toColumnIssue = (issue: ErrorIssue): ErrorIssue => {
  const [first, second] = issue.path;
  return first === 'discount' && typeof second === 'string' ? { ...issue, path: [second] } : issue;
};

/**
 * A row as the body `POST /v1/affiliates` would take, checked by the same schema. Empty cells are
 * absent fields; any discount cell makes a discount, which the schema then checks whole.
 */
export const toCreateInput = (cells: ImportCells): { input: CreateAffiliateInput } | { error: RowError } => {
  const { percentOff, amountOff, currency, duration, durationInMonths, ...fields } = cells;
  const discountCells = Object.entries({ percentOff, amountOff, currency, duration, durationInMonths }).filter(
    (entry): entry is [ImportColumn, string] => entry[1] !== undefined,
  );
  const body = {
    ...fields,
    ...(discountCells.length > 0 && {
      discount: Object.fromEntries(discountCells.map(([column, value]) => [column, cellValue(column, value)])),
    }),
  };
  const result = createAffiliateInput.safeParse(body);
  if (result.success) return { input: result.data };
  return { error: { type: 'validation_error', message: 'The row is not valid.', issues: zodIssues(result.error).map(toColumnIssue) } };
};

const rowError = (error: unknown): RowError => {
  if (error instanceof TallyError) {
    const { type, message, issues } = error;
    return { type, message, ...(issues && { issues: issues.map(toColumnIssue) }) };
  }
  // Not the row's fault, and nothing of it was stored (the create is one transaction): it can be sent again.
  logger.error('An import row failed unexpectedly', { error: error as Error });
  return { type: 'internal_error', message: 'Something went wrong on our side; nothing of this row was stored, import it again.' };
};

const notAttempted: RowError = {
  type: 'import.not_attempted',
  message: 'The import ran out of time before this row; nothing of it was stored, import it again.',
};

const importRow = async (merchantId: string, parsed: ParsedRow): Promise<RowResult> => {
  const { row } = parsed;
  if ('error' in parsed) return { row, status: 'failed', error: parsed.error };
  const checked = toCreateInput(parsed.cells);
  if ('error' in checked) return { row, status: 'failed', error: checked.error };
  try {
    const affiliate = await Affiliates.create(merchantId, checked.input);
    return { row, status: 'created', affiliateId: affiliate.id };
  } catch (error) {
    return { row, status: 'failed', error: rowError(error) };
  }
};

/**
 * Creates one affiliate per row through `Affiliates.create`, the path of `POST /v1/affiliates`, so
 * each row is all or nothing: its codes and e-mail claimed, its coupon sync queued, or none of it.
 * A bad row is reported and the rest go on. Rows run `importConcurrency` at a time; those not
 * started by `deadline` (epoch ms) are reported as not attempted rather than cut off mid-way.
 */
export const importAffiliates = async (merchantId: string, csv: Buffer, options: { deadline: number }): Promise<ImportResult> => {
  if (csv.length > maxImportBytes) throw new PayloadTooLargeError(maxImportBytes);
  const rows = parseImportCsv(csv);
  const results: RowResult[] = new Array(rows.length);
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const index = next++;
      const parsed = rows[index] as ParsedRow;
      results[index] =
        Date.now() < options.deadline ? await importRow(merchantId, parsed) : { row: parsed.row, status: 'failed', error: notAttempted };
    }
  };
  await Promise.all(Array.from({ length: Math.min(importConcurrency, rows.length) }, worker));
  const created = results.filter((result) => result.status === 'created').length;
  logger.info('Affiliates imported', { rows: rows.length, created, failed: rows.length - created });
  return { created, failed: rows.length - created, rows: results };
};
