import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { type Affiliate, codeTaken, insert } from '../../lambdas/affiliates/affiliate';
import { type CheckedRow, checkRows, parseImportCsv, planRound, type RowResult } from '../../lambdas/affiliates/import';
import {
  chunkOfRow,
  createdByEarlierTry,
  maxRowsBytes,
  planChunks,
  priorCreatedClaims,
  runImportChunk,
  shownRows,
} from '../../lambdas/affiliates/import-job';
import { sendAffiliateImportChunk } from '../../lambdas/history/queue';
import { handleHistoryMessage } from '../../lambdas/history/runner';
import { get as getMerchant } from '../../lambdas/merchants/merchant';

jest.mock('../../lambdas/affiliates/affiliate', () => ({ ...jest.requireActual('../../lambdas/affiliates/affiliate'), insert: jest.fn() }));
jest.mock('../../lambdas/history/queue', () => ({ ...jest.requireActual('../../lambdas/history/queue'), sendAffiliateImportChunk: jest.fn() }));
jest.mock('../../lambdas/merchants/merchant', () => ({ get: jest.fn() }));

process.env.TALLY_TABLE_NAME = 'tally-test';

const checkedFile = (lines: string[]) => checkRows(parseImportCsv(`email,referralCode,couponCode\n${lines.join('\n')}\n`));
const distinct = (count: number, from = 1) => Array.from({ length: count }, (_, i) => `r${from + i}@example.com,,`);

describe('planChunks', () => {
  it('cuts a file into chunks of 500 rows in file order', () => {
    const chunks = planChunks(checkedFile(distinct(1_200)));
    expect(chunks.map((chunk) => chunk.rows.length)).toEqual([500, 500, 200]);
    expect(chunks.map((chunk) => chunk.chunk)).toEqual([1, 2, 3]);
    expect(chunks.flatMap((chunk) => chunk.rows.map((row) => row.row))).toEqual(Array.from({ length: 1_200 }, (_, i) => i + 1));
    expect(chunks.every((chunk) => chunk.priorClaims.length === 0)).toBe(true);
  });

  it('starts a new chunk before the stored rows would pass the byte limit', () => {
    const rows = checkedFile(distinct(10, 10));
    const rowBytes = Buffer.byteLength(JSON.stringify(rows[0]));
    // Four rows as a JSON list: their bytes, three commas and two brackets.
    const chunks = planChunks(rows, { rows: 500, bytes: rowBytes * 4 + 5 });
    expect(chunks.map((chunk) => chunk.rows.length)).toEqual([4, 4, 2]);
  });

  it('keeps every chunk of 10,000 long rows under its byte limit', () => {
    const long = (i: number) => `${'x'.repeat(200)}${i}@example.com,${'r'.repeat(58)}${String(i).padStart(5, '0')},${'C'.repeat(90)}${i}`;
    const chunks = planChunks(checkedFile(Array.from({ length: 10_000 }, (_, i) => long(i))));
    expect(chunks.every((chunk) => Buffer.byteLength(JSON.stringify(chunk.rows)) <= 128 * 1024)).toBe(true);
    expect(chunks.some((chunk) => Buffer.byteLength(JSON.stringify(chunk.rows)) > 127 * 1024)).toBe(true);
    expect(chunks.reduce((sum, chunk) => sum + chunk.rows.length, 0)).toBe(10_000);
  });

  it('notes the codes and e-mails a chunk shares with rows of earlier chunks, in any case, and where those rows are', () => {
    const lines = distinct(1_200);
    lines[9] = 'shared@example.com,ref-10,';
    lines[399] = 'other@example.com,,COUPON-400';
    lines[599] = 'SHARED@example.com,,'; // chunk 2: row 10's e-mail
    lines[1099] = 'late@example.com,REF-10,coupon-400'; // chunk 3: row 10's referral code and row 400's coupon
    const [first, second, third] = planChunks(checkedFile(lines));
    expect(first?.priorClaims).toEqual([]);
    expect(second?.priorClaims).toEqual([{ claim: 'email:shared@example.com', rows: [10] }]);
    expect(third?.priorClaims).toEqual(expect.arrayContaining([{ claim: 'referral:ref-10', rows: [10] }, { claim: 'coupon:coupon-400', rows: [400] }]));
    expect(third?.priorClaims).toHaveLength(2);
  });

  it('keeps a chunk item well under DynamoDB’s 400 KB when every row of 10,000 repeats one coupon code', () => {
    const chunks = planChunks(checkedFile(Array.from({ length: 10_000 }, (_, i) => `r${i}@example.com,,SAME`)));
    expect(chunks.at(-1)?.priorClaims).toEqual([{ claim: 'coupon:same', rows: Array.from({ length: 9_500 }, (_, i) => i + 1) }]);
    expect(Math.max(...chunks.map((chunk) => Buffer.byteLength(JSON.stringify(chunk))))).toBeLessThan(300 * 1024);
  });

  it('finds the chunk of a row from each chunk’s first row', () => {
    const starts = planChunks(checkedFile(distinct(1_200))).map((chunk) => chunk.rows[0]?.row);
    expect(starts).toEqual([1, 501, 1_001]);
    expect([1, 500, 501, 1_000, 1_001, 1_200].map((row) => chunkOfRow(starts as number[], row))).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('leaves rows refused by the checks in their chunk, claiming nothing', () => {
    const lines = distinct(600);
    lines[0] = 'not-an-email,,';
    const [first] = planChunks(checkedFile(lines));
    expect(first?.rows[0]).toMatchObject({ row: 1, status: 'failed', error: { type: 'validation_error' } });
  });
});

describe('a later chunk against the results of earlier ones', () => {
  const lines = distinct(1_200);
  lines[9] = 'shared@example.com,,';
  lines[599] = 'Shared@example.com,,';
  const [, second] = planChunks(checkedFile(lines));
  const pendingOf = (rows: (CheckedRow | RowResult)[]) => rows.filter((row): row is CheckedRow => 'input' in row);

  it('answers a row whose e-mail an earlier chunk’s row took as that row’s duplicate, without a write', () => {
    const claims = priorCreatedClaims(second?.priorClaims ?? [], (row) => (row === 10 ? { row, status: 'created', affiliateId: 'aff_10' } : undefined));
    expect(claims).toEqual(new Map([['email:shared@example.com', 10]]));
    const round = planRound(pendingOf(second?.rows ?? []), claims);
    expect(round.duplicates).toEqual([{ row: 600, status: 'failed', error: { type: 'affiliate.email_taken', message: expect.stringContaining('Row 10 of this file took it.') } }]);
    expect(round.attempt).toHaveLength(499);
  });

  it('tries the row when the earlier row failed, as the import within a request does', () => {
    const claims = priorCreatedClaims(second?.priorClaims ?? [], (row) => ({ row, status: 'failed', error: { type: 'affiliate.email_taken', message: '' } }));
    expect(claims.size).toBe(0);
    expect(planRound(pendingOf(second?.rows ?? []), claims).attempt.map((row) => row.row)).toContain(600);
  });
});

const affiliate = (overrides: Partial<Affiliate> = {}): Affiliate => ({
  id: 'aff_1',
  email: 'a@example.com',
  name: null,
  referralCode: 'gen12345',
  couponCode: 'A-10',
  discount: null,
  commissionPlanId: null,
  status: 'active',
  createdAt: '2026-12-07T10:00:05.000Z',
  updatedAt: '2026-12-07T10:00:05.000Z',
  couponSync: { live: { status: 'pending' }, test: { status: 'pending' } },
  ...overrides,
});

describe('createdByEarlierTry', () => {
  const input = { email: 'a@example.com', couponCode: 'a-10' };
  it('recognises the affiliate a crashed try of the chunk created', () => {
    expect(createdByEarlierTry(affiliate(), input, '2026-12-07T10:00:00.000Z')).toBe(true);
  });
  it('does not take an affiliate that existed before the chunk’s first try', () => {
    expect(createdByEarlierTry(affiliate({ createdAt: '2026-12-01T00:00:00.000Z' }), input, '2026-12-07T10:00:00.000Z')).toBe(false);
  });
  it('does not take an affiliate without the codes the row asks for', () => {
    expect(createdByEarlierTry(affiliate({ couponCode: 'OTHER' }), input, '2026-12-07T10:00:00.000Z')).toBe(false);
    expect(createdByEarlierTry(affiliate(), { ...input, referralCode: 'mine' }, '2026-12-07T10:00:00.000Z')).toBe(false);
  });
});

describe('shownRows', () => {
  it('answers every row while they fit, and only the failed ones beyond', () => {
    const rows = (count: number) =>
      Array.from({ length: count }, (_, i): RowResult =>
        i === 42 ? { row: 43, status: 'failed', error: { type: 'x', message: 'y' } } : { row: i + 1, status: 'created', affiliateId: 'aff_01kc0000000000000000000000' },
      );
    expect(shownRows(rows(9_000))).toMatchObject({ rowsIncluded: 'all', rows: { length: 9_000 } });
    const many = rows(10_000);
    expect(Buffer.byteLength(JSON.stringify(many))).toBeGreaterThan(maxRowsBytes);
    expect(shownRows(many)).toEqual({ rowsIncluded: 'failed', rows: [many[42]] });
  });
});

describe('an affiliate import chunk on the history queue', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const root = { jobId: 'aimp_1', merchantId: 'mer_1', kind: 'affiliates', status: 'running', total: 3, created: 1, failed: 0, chunks: 2, chunkStarts: [1, 2], chunksDone: 1, startedAt: '2026-12-07T10:00:00.000Z', updatedAt: '2026-12-07T10:00:00.000Z' };
  const chunk2 = {
    chunk: 2,
    rows: [
      { row: 2, input: { email: 'b@example.com', couponCode: 'B-10' } },
      { row: 3, status: 'failed', error: { type: 'validation_error', message: 'The row is not valid.' } },
    ],
    priorClaims: [],
    firstTryAt: '2026-12-07T10:00:00.000Z',
  };
  const message = (chunk: number) => JSON.stringify({ kind: 'affiliateImport', merchantId: 'mer_1', jobId: 'aimp_1', chunk });
  const remaining = () => 60_000;

  beforeEach(() => {
    dynamo.reset();
    jest.mocked(getMerchant).mockResolvedValue({ settings: { autoSyncCoupons: false } } as never);
    dynamo.on(GetCommand, { Key: { pk: 'MERCHANT#mer_1', sk: 'AFFIMPORT#aimp_1' } }).resolves({ Item: root });
    dynamo.on(UpdateCommand).resolves({ Attributes: chunk2 });
    dynamo.on(TransactWriteCommand).resolves({});
  });
  afterEach(() => jest.clearAllMocks());

  it('creates the chunk’s rows, commits results and counts on the chunk number, and completes the job', async () => {
    jest.mocked(insert).mockResolvedValue(affiliate({ id: 'aff_b', email: 'b@example.com', couponCode: 'B-10' }));

    expect(await handleHistoryMessage(message(2), remaining)).toBe('completed');

    expect(dynamo).toHaveReceivedCommandWith(TransactWriteCommand, {
      TransactItems: [
        {
          Put: expect.objectContaining({
            Item: expect.objectContaining({
              sk: 'AFFIMPORT#aimp_1#RESULT#0002',
              rows: [
                { row: 2, status: 'created', affiliateId: 'aff_b' },
                { row: 3, status: 'failed', error: { type: 'validation_error', message: 'The row is not valid.' } },
              ],
            }),
          }),
        },
        {
          Update: expect.objectContaining({
            Key: { pk: 'MERCHANT#mer_1', sk: 'AFFIMPORT#aimp_1' },
            ConditionExpression: '#done = :previous AND #status = :running',
            ExpressionAttributeValues: expect.objectContaining({ ':chunk': 2, ':previous': 1, ':created': 1, ':failed': 1, ':completed': 'completed' }),
          }),
        },
      ],
    });
    expect(sendAffiliateImportChunk).not.toHaveBeenCalled();
  });

  it('does nothing for a message of a chunk already counted, but queues the next chunk if the job still waits at it', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'MERCHANT#mer_1', sk: 'AFFIMPORT#aimp_1' } }).resolves({ Item: { ...root, chunks: 3, chunksDone: 2 } });

    expect(await handleHistoryMessage(message(2), remaining)).toBe('stale');

    expect(insert).not.toHaveBeenCalled();
    expect(dynamo).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
    expect(sendAffiliateImportChunk).toHaveBeenCalledWith({ kind: 'affiliateImport', merchantId: 'mer_1', jobId: 'aimp_1', chunk: 3 });
  });

  it('adds nothing when another delivery of the chunk committed first, and queues nothing', async () => {
    jest.mocked(insert).mockResolvedValue(affiliate({ id: 'aff_b', email: 'b@example.com', couponCode: 'B-10' }));
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }] }),
    );

    expect(await runImportChunk({ kind: 'affiliateImport', merchantId: 'mer_1', jobId: 'aimp_1', chunk: 2 })).toBe('stale');

    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(sendAffiliateImportChunk).not.toHaveBeenCalled();
  });

  it('answers a row a crashed try already created as created, with that affiliate, when the chunk runs again', async () => {
    jest.mocked(insert).mockRejectedValue(codeTaken.email('b@example.com'));
    dynamo.on(GetCommand, { Key: { pk: 'MERCHANT#mer_1', sk: 'CODE#email#b@example.com' } }).resolves({ Item: { affiliateId: 'aff_b' } });
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'tally-test': [{ pk: 'MERCHANT#mer_1', sk: 'AFFILIATE#aff_b', ...affiliate({ id: 'aff_b', email: 'b@example.com', couponCode: 'B-10' }) }] } });
    dynamo.on(GetCommand, { Key: { pk: 'MERCHANT#mer_1', sk: 'AFFIMPORT#aimp_1' } }).resolves({ Item: { ...root, chunks: 3 } });

    expect(await runImportChunk({ kind: 'affiliateImport', merchantId: 'mer_1', jobId: 'aimp_1', chunk: 2 })).toBe('running');

    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { UpdateExpression: 'SET firstTryAt = if_not_exists(firstTryAt, :now)' });
    expect(dynamo).toHaveReceivedCommandWith(TransactWriteCommand, {
      TransactItems: [
        { Put: expect.objectContaining({ Item: expect.objectContaining({ rows: [{ row: 2, status: 'created', affiliateId: 'aff_b' }, expect.objectContaining({ row: 3 })] }) }) },
        { Update: expect.objectContaining({ ExpressionAttributeValues: expect.objectContaining({ ':created': 1, ':failed': 1, ':previous': 1 }) }) },
      ],
    });
    expect(sendAffiliateImportChunk).toHaveBeenCalledWith({ kind: 'affiliateImport', merchantId: 'mer_1', jobId: 'aimp_1', chunk: 3 });
  });

  it('reports a taken e-mail of an affiliate that existed before the chunk’s first try as taken', async () => {
    jest.mocked(insert).mockRejectedValue(codeTaken.email('b@example.com'));
    dynamo.on(GetCommand, { Key: { pk: 'MERCHANT#mer_1', sk: 'CODE#email#b@example.com' } }).resolves({ Item: { affiliateId: 'aff_old' } });
    dynamo.on(BatchGetCommand).resolves({
      Responses: { 'tally-test': [{ pk: 'MERCHANT#mer_1', sk: 'AFFILIATE#aff_old', ...affiliate({ id: 'aff_old', email: 'b@example.com', couponCode: 'B-10', createdAt: '2026-01-01T00:00:00.000Z' }) }] },
    });

    expect(await runImportChunk({ kind: 'affiliateImport', merchantId: 'mer_1', jobId: 'aimp_1', chunk: 2 })).toBe('completed');

    expect(dynamo).toHaveReceivedCommandWith(TransactWriteCommand, {
      TransactItems: [
        { Put: expect.objectContaining({ Item: expect.objectContaining({ rows: [{ row: 2, status: 'failed', error: expect.objectContaining({ type: 'affiliate.email_taken' }) }, expect.objectContaining({ row: 3 })] }) }) },
        { Update: expect.objectContaining({ ExpressionAttributeValues: expect.objectContaining({ ':created': 0, ':failed': 2 }) }) },
      ],
    });
  });

  it('ignores a message of a job that is not running', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'MERCHANT#mer_1', sk: 'AFFIMPORT#aimp_1' } }).resolves({ Item: { ...root, status: 'completed', chunksDone: 2 } });
    expect(await handleHistoryMessage(message(2), remaining)).toBe('stale');
    expect(sendAffiliateImportChunk).not.toHaveBeenCalled();
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
  });
});
