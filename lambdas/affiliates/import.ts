import { CsvError, parse } from 'csv-parse/sync';
import { ConflictError, type ErrorIssue, PayloadTooLargeError, TallyError, ValidationError } from '../core/errors';
import { logger } from '../core/logger';
import type { Mode } from '../core/mode';
import { zodIssues } from '../core/validation';
import { connectedModes } from '../coupon-sync/accounts';
import * as Queue from '../coupon-sync/queue';
import { get as getMerchant } from '../merchants/merchant';
import type { CodeKind } from '../store/keys';
import * as Affiliates from './affiliate';
import { type CreateAffiliateInput, createAffiliateInput } from './schema';

/** At most this many rows per import, 10,000 at about 1–2 MB of CSV. */
export const maxImportRows = 10_000;
/**
 * Files of up to this many rows are created within the request (about 10 s here, under the route's
 * 25 s); longer ones become an import job (import-job.ts): at ~125 rows/s per merchant partition,
 * 10,000 rows cannot be created within API Gateway's 30 s.
 */
export const maxSyncImportRows = 1_000;
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

/** A row that passed every check that needs no read: the body `Affiliates.insert` takes. */
export interface CheckedRow {
  row: number;
  input: CreateAffiliateInput;
}

/**
 * Every row checked before anything is written, as `POST /v1/affiliates` checks a body: the row's
 * cells, the schema, and what the create refuses before it writes. What fails here is reported
 * without a write; the rest go on to be created.
 */
export const checkRows = (rows: readonly ParsedRow[]): (CheckedRow | RowResult)[] =>
  rows.map((parsed): CheckedRow | RowResult => {
    const { row } = parsed;
    if ('error' in parsed) return { row, status: 'failed', error: parsed.error };
    const checked = toCreateInput(parsed.cells);
    if ('error' in checked) return { row, status: 'failed', error: checked.error };
    try {
      Affiliates.checkNew(checked.input);
    } catch (error) {
      return { row, status: 'failed', error: rowError(error) };
    }
    return { row, input: checked.input };
  });

/** A claim as one string, as the claim items are keyed: an e-mail or code in any case is the same claim. */
export const claimId = ([kind, code]: [CodeKind, string]): string => `${kind}:${code.toLowerCase()}`;

/** Which rows of a round are written, and which wait for the outcome of an earlier row of the file. */
export interface Round {
  attempt: CheckedRow[];
  /** Rows that claim what an earlier row of this round claims: they go in a later round. */
  deferred: CheckedRow[];
  /** Rows that claim what a row created in an earlier round holds: refused without a write. */
  duplicates: RowResult[];
}

/**
 * Splits the rows still to create (in file order) into one round. A row whose referral code,
 * coupon code or e-mail (in any case, as the claims are keyed) an earlier row also claims waits
 * until that row is done: if it was created, the later row is a duplicate, answered as
 * `POST /v1/affiliates` answers a taken code, without a transaction; if it failed, the later row is
 * tried in the next round. So the first row of the file that can take a code takes it.
 */
export const planRound = (pending: readonly CheckedRow[], createdClaims: ReadonlyMap<string, number>): Round => {
  const round: Round = { attempt: [], deferred: [], duplicates: [] };
  const claimedThisRound = new Set<string>();
  for (const checked of pending) {
    const claims = Affiliates.claimsOf(checked.input);
    const taken = claims.find((claim) => createdClaims.has(claimId(claim)));
    if (taken) {
      const [kind, code] = taken;
      const error = Affiliates.codeTaken[kind](code);
      const message = `${error.message} Row ${createdClaims.get(claimId(taken))} of this file took it.`;
      round.duplicates.push({ row: checked.row, status: 'failed', error: { type: error.type, message } });
    } else if (claims.some((claim) => claimedThisRound.has(claimId(claim)))) {
      round.deferred.push(checked);
      // What a waiting row claims waits too: a third row with one of its codes must not overtake it.
      for (const claim of claims) claimedThisRound.add(claimId(claim));
    } else {
      round.attempt.push(checked);
      for (const claim of claims) claimedThisRound.add(claimId(claim));
    }
  }
  return round;
};

/** Messages an SQS SendMessageBatch takes. */
const syncBatchSize = 10;

/**
 * The coupon syncs of an import's new affiliates, queued as `POST /v1/affiliates` queues one (auto-sync
 * on: every connected mode), with the merchant read once and the messages sent ten to a call as
 * rows are created. A failure is logged, not the row's: the row is stored and shows `pending`, and
 * the scheduled drift repair syncs it.
 */
const syncQueue = async (merchantId: string) => {
  let syncModes: Mode[] = [];
  try {
    const merchant = await getMerchant(merchantId);
    if (merchant.settings.autoSyncCoupons) syncModes = connectedModes(merchant);
  } catch (error) {
    logger.error('Could not read the merchant to queue automatic coupon syncs', { merchantId, error: error as Error });
  }
  const waiting: Queue.SyncMessage[] = [];
  const sends: Promise<void>[] = [];
  const send = () => {
    const messages = waiting.splice(0);
    sends.push(
      Queue.sendAll(messages).catch((error: unknown) =>
        logger.error('Could not queue automatic coupon syncs', { merchantId, messages: messages.length, error: error as Error }),
      ),
    );
  };
  return {
    add: (affiliateId: string) => {
      waiting.push(...syncModes.map((mode): Queue.SyncMessage => ({ kind: 'sync', merchantId, mode, affiliateId })));
      if (waiting.length >= syncBatchSize) send();
    },
    flush: async () => {
      if (waiting.length > 0) send();
      await Promise.all(sends);
    },
  };
};

/** What `createRows` needs besides the rows. */
export interface CreateRowsOptions {
  /** Rows not started by then (epoch ms) are answered `import.not_attempted`; none: every row is tried. */
  deadline?: number;
  /**
   * Claims (`claimId`) held by rows of the same file created before these rows, with the row that
   * holds each: an import job's earlier chunks. Rows created here are added to it.
   */
  createdClaims?: Map<string, number>;
  /**
   * A row whose create was refused may have been created by an earlier try of the same rows (an
   * import job's chunk run again after a crash): its affiliate then, so it is answered created.
   */
  findCreated?: (checked: CheckedRow) => Promise<Affiliates.Affiliate | undefined>;
}

/**
 * Creates checked rows (in file order) as `POST /v1/affiliates` does, each in its own transaction
 * (`Affiliates.insert`), so each row is all or nothing: its codes and e-mail claimed, or none of
 * it. A row that repeats a code or e-mail of an earlier row waits for it (`planRound`); a bad row
 * is reported and the rest go on. Rows run `importConcurrency` at a time; those not started by the
 * deadline are reported as not attempted rather than cut off mid-way. The coupon syncs of the
 * created rows are queued together (`syncQueue`).
 */
export const createRows = async (merchantId: string, rows: readonly CheckedRow[], options: CreateRowsOptions = {}): Promise<Map<number, RowResult>> => {
  const { deadline = Number.POSITIVE_INFINITY, createdClaims = new Map<string, number>(), findCreated } = options;
  const results = new Map<number, RowResult>();
  const syncs = await syncQueue(merchantId);
  const created = (row: number, input: CreateAffiliateInput, affiliate: Affiliates.Affiliate): RowResult => {
    for (const claim of Affiliates.claimsOf({ ...input, referralCode: affiliate.referralCode })) createdClaims.set(claimId(claim), row);
    if (affiliate.couponCode) syncs.add(affiliate.id);
    return { row, status: 'created', affiliateId: affiliate.id };
  };

  const create = async ({ row, input }: CheckedRow): Promise<RowResult> => {
    if (Date.now() >= deadline) return { row, status: 'failed', error: notAttempted };
    try {
      return created(row, input, await Affiliates.insert(merchantId, input));
    } catch (error) {
      const earlier = findCreated && error instanceof ConflictError ? await findCreated({ row, input }) : undefined;
      if (earlier) return created(row, input, earlier);
      return { row, status: 'failed', error: rowError(error) };
    }
  };

  let pending = [...rows];
  while (pending.length > 0) {
    if (Date.now() >= deadline) {
      for (const { row } of pending) results.set(row, { row, status: 'failed', error: notAttempted });
      break;
    }
    const round = planRound(pending, createdClaims);
    for (const duplicate of round.duplicates) results.set(duplicate.row, duplicate);
    let next = 0;
    const worker = async () => {
      while (next < round.attempt.length) {
        const checked = round.attempt[next++] as CheckedRow;
        results.set(checked.row, await create(checked));
      }
    };
    await Promise.all(Array.from({ length: Math.min(importConcurrency, round.attempt.length) }, worker));
    pending = round.deferred;
  }
  await syncs.flush();
  return results;
};

/** Reads an import's body: too large is a 413, and what `parseImportCsv` refuses a 400. */
export const readImportFile = (csv: Buffer): ParsedRow[] => {
  if (csv.length > maxImportBytes) throw new PayloadTooLargeError(maxImportBytes);
  return parseImportCsv(csv);
};

/** Every row's result in file order, counted. */
export const summarize = (rows: readonly RowResult[]): ImportResult => {
  const created = rows.filter((result) => result.status === 'created').length;
  return { created, failed: rows.length - created, rows: [...rows] };
};

/**
 * Imports a file of up to `maxSyncImportRows` rows within the request: every row checked first
 * (`checkRows`), then created (`createRows`) until the deadline (epoch ms).
 */
export const importRows = async (merchantId: string, rows: readonly ParsedRow[], options: { deadline: number }): Promise<ImportResult> => {
  const results = new Map<number, RowResult>();
  const pending: CheckedRow[] = [];
  for (const checked of checkRows(rows)) {
    if ('input' in checked) pending.push(checked);
    else results.set(checked.row, checked);
  }
  for (const [row, result] of await createRows(merchantId, pending, options)) results.set(row, result);
  const answer = summarize(rows.map(({ row }) => results.get(row) as RowResult));
  logger.info('Affiliates imported', { rows: rows.length, created: answer.created, failed: answer.failed });
  return answer;
};
