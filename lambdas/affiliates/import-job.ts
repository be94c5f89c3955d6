import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../core/errors';
import { newId } from '../core/ids';
import { logger } from '../core/logger';
import { type AffiliateImportMessage, sendAffiliateImportChunk } from '../history/queue';
import { batchGet } from '../store/batch';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import { Transaction } from '../store/transaction';
import * as Affiliates from './affiliate';
import { type CheckedRow, checkRows, claimId, createRows, type ParsedRow, type RowResult, summarize } from './import';

/**
 * An import of more rows than a request can create (`maxSyncImportRows`): the file is checked whole
 * when it arrives, its checked rows stored in numbered chunks, and one message at a time on the
 * history queue creates a chunk's rows with the synchronous import's own rules (`createRows`), then
 * writes the chunk's results and adds its counts to the job in one transaction conditional on the
 * chunk number, so a chunk is counted once however often its message arrives.
 */

/** Job IDs start so: `GET /v1/imports/{jobId}` tells them from a Stripe history import's (`imp_…`). */
const jobIdPrefix = 'aimp';
export const isAffiliateImportJobId = (jobId: string): boolean => jobId.startsWith(`${jobIdPrefix}_`);

/** Rows per chunk: about 4 s of creates here and on AWS, far inside the history consumer's 120 s. */
export const chunkRows = 500;
/**
 * A chunk's stored rows are at most this large, so its results item (these rows' results: a
 * pre-checked failure as stored, a create's error some 400 bytes at most) stays well under
 * DynamoDB's 400 KB. Typical rows are ~100 bytes, so chunks hold 500; rows of long names and codes
 * (up to ~800 bytes) make shorter chunks.
 */
export const maxChunkBytes = 128 * 1024;
/** Jobs, their chunks and results are kept a week. */
const keepSeconds = 7 * 86_400;
/**
 * A completed job answers every row's result while their JSON stays under this (about 9,500 created
 * rows); beyond, only the failed rows.
 */
export const maxRowsBytes = 768 * 1024;
/** Clocks of two Lambda instances running the same chunk at once may differ by this much. */
const clockMarginMs = 1000;

/** A claim (`claimId`) that rows of a chunk share with rows of earlier chunks, and those rows. */
export interface PriorClaim {
  claim: string;
  rows: number[];
}

/** One chunk of a file as stored: its checked rows (or their failures) and what they wait for. */
export interface ChunkPlan {
  chunk: number;
  rows: (CheckedRow | RowResult)[];
  priorClaims: PriorClaim[];
}

const claimsOfRow = (row: CheckedRow | RowResult): string[] => ('input' in row ? Affiliates.claimsOf(row.input).map(claimId) : []);

/**
 * Splits a file's checked rows into chunks (in file order, up to `chunkRows` rows and `maxChunkBytes`
 * each) and notes, for each chunk, the codes and e-mails its rows share with rows of earlier
 * chunks. The chunks run in order, so when one runs the earlier ones' results are known: a claim
 * an earlier row created holds is a duplicate, named after that row, as within one request.
 */
export const planChunks = (rows: readonly (CheckedRow | RowResult)[], limits = { rows: chunkRows, bytes: maxChunkBytes }): ChunkPlan[] => {
  const chunks: ChunkPlan[] = [];
  let bytes = 0;
  for (const row of rows) {
    // Its JSON and the comma before it (or, for a chunk's first row, the list's brackets).
    const size = Buffer.byteLength(JSON.stringify(row)) + 1;
    const current = chunks.at(-1);
    if (current && current.rows.length < limits.rows && bytes + size <= limits.bytes) {
      current.rows.push(row);
      bytes += size;
    } else {
      chunks.push({ chunk: chunks.length + 1, rows: [row], priorClaims: [] });
      bytes = size + 1;
    }
  }
  const claimedBy = new Map<string, number[]>();
  for (const plan of chunks) {
    const claims = new Set(plan.rows.flatMap(claimsOfRow));
    plan.priorClaims = [...claims].flatMap((claim) => {
      const earlier = claimedBy.get(claim);
      return earlier ? [{ claim, rows: [...earlier] }] : [];
    });
    for (const row of plan.rows)
      for (const claim of claimsOfRow(row)) {
        const holders = claimedBy.get(claim);
        if (holders) holders.push(row.row);
        else claimedBy.set(claim, [row.row]);
      }
  }
  return chunks;
};

/**
 * The claims this chunk's rows share with rows earlier chunks created, with the row that holds
 * each: what `planRound` treats as taken within the file. At most one row holds a claim.
 */
export const priorCreatedClaims = (priorClaims: readonly PriorClaim[], resultOf: (row: number) => RowResult | undefined): Map<string, number> => {
  const created = new Map<string, number>();
  for (const { claim, rows } of priorClaims) {
    const holder = rows.find((row) => resultOf(row)?.status === 'created');
    if (holder !== undefined) created.set(claim, holder);
  }
  return created;
};

/** The chunk a row is in, from each chunk's first row (chunks hold consecutive rows). */
export const chunkOfRow = (chunkStarts: readonly number[], row: number): number => chunkStarts.findLastIndex((start) => start <= row) + 1;

/**
 * Whether an affiliate that holds a row's e-mail is the one an earlier try of the row's chunk
 * created: made since that try began, and holding the codes the row asks for.
 */
export const createdByEarlierTry = (affiliate: Affiliates.Affiliate, input: CheckedRow['input'], firstTryAt: string): boolean => {
  const same = (asked: string | undefined, held: string | null) => asked === undefined || asked.toLowerCase() === held?.toLowerCase();
  return (
    Date.parse(affiliate.createdAt) >= Date.parse(firstTryAt) - clockMarginMs &&
    same(input.referralCode, affiliate.referralCode) &&
    same(input.couponCode, affiliate.couponCode)
  );
};

/** `failed`: its chunks stalled again and again (lambdas/history/sweep.ts); `error` says so. */
export type ImportJobStatus = 'running' | 'completed' | 'failed';

interface ImportJobRecord {
  jobId: string;
  merchantId: string;
  kind: 'affiliates';
  status: ImportJobStatus;
  total: number;
  created: number;
  failed: number;
  chunks: number;
  /** Each chunk's first row, in chunk order. */
  chunkStarts: number[];
  /** Chunks committed so far, in order: the next message must carry this number plus one. */
  chunksDone: number;
  /** Times the sweep queued the next chunk again after its message was lost. */
  requeues?: number;
  error?: string;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
}

interface ChunkItem {
  chunk: number;
  rows: (CheckedRow | RowResult)[];
  priorClaims: PriorClaim[];
  /** When the chunk's first try began: an affiliate made since then may be one that try created. */
  firstTryAt: string;
}

/** A job as the API shows it; `rows` once it is completed. */
export interface AffiliateImportJob {
  id: string;
  kind: 'affiliates';
  status: ImportJobStatus;
  total: number;
  created: number;
  failed: number;
  rows?: RowResult[];
  /** `failed` when all the rows' results would be too large an answer, so only the failed ones are given. */
  rowsIncluded?: 'all' | 'failed';
  error?: string;
  startedAt: string;
  finishedAt?: string;
}

const view = (record: ImportJobRecord, rows?: RowResult[]): AffiliateImportJob => ({
  id: record.jobId,
  kind: record.kind,
  status: record.status,
  total: record.total,
  created: record.created,
  failed: record.failed,
  ...(rows && shownRows(rows)),
  ...(record.error ? { error: record.error } : {}),
  startedAt: record.startedAt,
  ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
});

/** Every row's result if they fit `maxRowsBytes`, else the failed ones. */
export const shownRows = (rows: RowResult[]): Pick<AffiliateImportJob, 'rows' | 'rowsIncluded'> =>
  Buffer.byteLength(JSON.stringify(rows)) <= maxRowsBytes
    ? { rows, rowsIncluded: 'all' }
    : { rows: rows.filter((row) => row.status === 'failed'), rowsIncluded: 'failed' };

const expiresAt = (now: Date) => Math.floor(now.getTime() / 1000) + keepSeconds;

/**
 * Starts a job for a file read whole (`readImportFile`): every row checked as the synchronous import
 * checks it, the chunks stored, the job recorded as running and its first chunk queued. If the
 * queue refuses, the job is removed again, so none shows as running that nothing works on.
 */
export const start = async (merchantId: string, parsed: readonly ParsedRow[], now = new Date()): Promise<AffiliateImportJob> => {
  const jobId = newId(jobIdPrefix);
  const plans = planChunks(checkRows(parsed));
  await Promise.all(
    plans.map((plan) =>
      db().send(
        new PutCommand({
          TableName: tableName(),
          Item: { ...keys.affiliateImportChunk(merchantId, jobId, plan.chunk), type: 'affiliateImportChunk', jobId, ...plan, expiresAt: expiresAt(now) },
        }),
      ),
    ),
  );
  const at = now.toISOString();
  const record: ImportJobRecord = {
    jobId,
    merchantId,
    kind: 'affiliates',
    status: 'running',
    total: parsed.length,
    created: 0,
    failed: 0,
    chunks: plans.length,
    chunkStarts: plans.map((plan) => plan.rows[0]?.row ?? 0),
    chunksDone: 0,
    startedAt: at,
    updatedAt: at,
  };
  const key = keys.affiliateImportJob(merchantId, jobId);
  await db().send(
    new PutCommand({
      TableName: tableName(),
      // On the history jobs' running list, so the sweep queues a chunk again whose message was lost.
      Item: { ...key, ...keys.runningHistoryJob(at, merchantId, jobId), type: 'affiliateImportJob', ...record, expiresAt: expiresAt(now) },
    }),
  );
  try {
    await sendAffiliateImportChunk({ kind: 'affiliateImport', merchantId, jobId, chunk: 1 });
  } catch (error) {
    await db().send(new DeleteCommand({ TableName: tableName(), Key: key }));
    throw error;
  }
  logger.info('Affiliate import job started', { merchantId, jobId, rows: record.total, chunks: record.chunks });
  return view(record);
};

const findRecord = async (merchantId: string, jobId: string): Promise<ImportJobRecord | undefined> => {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: keys.affiliateImportJob(merchantId, jobId), ConsistentRead: true }));
  return Item as ImportJobRecord | undefined;
};

/** The chunks' results, read strongly consistent, by chunk number. */
const readResults = async (merchantId: string, jobId: string, chunks: readonly number[]): Promise<Map<number, RowResult[]>> => {
  const found = await batchGet(chunks.map((chunk) => keys.affiliateImportResult(merchantId, jobId, chunk)));
  return new Map(
    chunks.map((chunk) => {
      const item = found.get<{ rows: RowResult[] }>(keys.affiliateImportResult(merchantId, jobId, chunk));
      if (!item) throw new Error(`Chunk ${chunk} of affiliate import ${jobId} has no results`);
      return [chunk, item.rows];
    }),
  );
};

/** The job for the API: a merchant's own, with every row's result once it completed. */
export const get = async (merchantId: string, jobId: string): Promise<AffiliateImportJob> => {
  const record = await findRecord(merchantId, jobId);
  if (!record) throw new NotFoundError('Import job');
  if (record.status !== 'completed') return view(record);
  const results = await readResults(merchantId, jobId, Array.from({ length: record.chunks }, (_, index) => index + 1));
  return view(record, [...results.values()].flat());
};

/** Reads a chunk, noting when its first try began (kept by every later try). */
const beginChunk = async (merchantId: string, jobId: string, chunk: number): Promise<ChunkItem> => {
  const { Attributes } = await db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.affiliateImportChunk(merchantId, jobId, chunk),
      UpdateExpression: 'SET firstTryAt = if_not_exists(firstTryAt, :now)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':now': new Date().toISOString() },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return Attributes as ChunkItem;
};

/** The affiliate holding the row's e-mail, if an earlier try of its chunk created it. */
const earlierTryCreated = async (merchantId: string, { input }: CheckedRow, firstTryAt: string): Promise<Affiliates.Affiliate | undefined> => {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: keys.affiliateCode(merchantId, 'email', input.email), ConsistentRead: true }));
  const affiliateId = (Item as { affiliateId?: string } | undefined)?.affiliateId;
  if (!affiliateId) return undefined;
  const [affiliate] = await Affiliates.getMany(merchantId, [affiliateId]);
  return affiliate && createdByEarlierTry(affiliate, input, firstTryAt) ? affiliate : undefined;
};

/** Another delivery of the same chunk committed first. */
class ChunkAlreadyCounted extends Error {}

/** Stores the chunk's results and adds its counts, if the job is still at this chunk. */
const commitChunk = async (record: ImportJobRecord, chunk: number, rows: RowResult[], now: Date): Promise<ImportJobRecord> => {
  const { created, failed } = summarize(rows);
  const finished = chunk === record.chunks;
  const at = now.toISOString();
  await new Transaction()
    .put({
      Item: { ...keys.affiliateImportResult(record.merchantId, record.jobId, chunk), type: 'affiliateImportResult', jobId: record.jobId, chunk, rows, expiresAt: expiresAt(now) },
    })
    .update(
      {
        Key: keys.affiliateImportJob(record.merchantId, record.jobId),
        UpdateExpression: `SET #done = :chunk, #created = #created + :created, #failed = #failed + :failed, #updatedAt = :at${
          finished ? ', #status = :completed, #finishedAt = :at REMOVE gsi1pk, gsi1sk' : ', gsi1sk = :running_sk'
        }`,
        ConditionExpression: '#done = :previous AND #status = :running',
        ExpressionAttributeNames: {
          '#done': 'chunksDone',
          '#created': 'created',
          '#failed': 'failed',
          '#updatedAt': 'updatedAt',
          '#status': 'status',
          ...(finished ? { '#finishedAt': 'finishedAt' } : {}),
        },
        ExpressionAttributeValues: {
          ':chunk': chunk,
          ':previous': chunk - 1,
          ':created': created,
          ':failed': failed,
          ':at': at,
          ':running': 'running',
          ...(finished ? { ':completed': 'completed' } : { ':running_sk': keys.runningHistoryJob(at, record.merchantId, record.jobId).gsi1sk }),
        },
      },
      () => new ChunkAlreadyCounted(),
    )
    .commit();
  return {
    ...record,
    chunksDone: chunk,
    created: record.created + created,
    failed: record.failed + failed,
    updatedAt: at,
    ...(finished ? { status: 'completed', finishedAt: at } : {}),
  };
};

const queueNext = (record: ImportJobRecord) =>
  sendAffiliateImportChunk({ kind: 'affiliateImport', merchantId: record.merchantId, jobId: record.jobId, chunk: record.chunksDone + 1 });

/**
 * The sweep found the job not moving since `seen` (lambdas/history/sweep.ts): queues its next chunk
 * again, unless it moved meanwhile; after `maxRequeues` the job fails instead of showing as running.
 */
export const requeueStalled = async (
  merchantId: string,
  jobId: string,
  seen: string,
  now: Date,
  maxRequeues: number,
): Promise<'requeued' | 'failed' | 'moved'> => {
  const record = await findRecord(merchantId, jobId);
  if (record?.status !== 'running' || record.updatedAt !== seen) return 'moved';
  const failing = (record.requeues ?? 0) >= maxRequeues;
  const at = now.toISOString();
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.affiliateImportJob(merchantId, jobId),
        UpdateExpression: failing
          ? 'SET #status = :failed, finishedAt = :at, updatedAt = :at, #error = :error REMOVE gsi1pk, gsi1sk'
          : 'SET requeues = if_not_exists(requeues, :zero) + :one, updatedAt = :at, gsi1sk = :sk',
        ConditionExpression: '#status = :running AND updatedAt = :seen',
        ExpressionAttributeNames: { '#status': 'status', ...(failing ? { '#error': 'error' } : {}) },
        ExpressionAttributeValues: {
          ':running': 'running',
          ':seen': seen,
          ':at': at,
          ...(failing
            ? { ':failed': 'failed', ':error': `The import stalled ${maxRequeues} times at chunk ${record.chunksDone + 1}; the rows before it are created, import the rest again.` }
            : { ':zero': 0, ':one': 1, ':sk': keys.runningHistoryJob(at, merchantId, jobId).gsi1sk }),
        },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'moved';
    throw error;
  }
  if (failing) return 'failed';
  await queueNext(record);
  return 'requeued';
};

/**
 * One chunk of a job: its rows created (`createRows`, with the claims earlier chunks' rows took),
 * its results and counts committed, then the next chunk queued, or the job completed. A message of
 * a chunk already counted does nothing, except that it queues the job's next chunk again if the job
 * still waits at it (its message was lost when a try crashed between commit and send; a second
 * message of a chunk is harmless). A chunk run again after a crash finds the rows its first try
 * created (`createdByEarlierTry`) and answers them created, so no row is lost or counted twice.
 */
export const runImportChunk = async (message: AffiliateImportMessage): Promise<string> => {
  const { merchantId, jobId, chunk } = message;
  const record = await findRecord(merchantId, jobId);
  if (record?.status !== 'running') return 'stale';
  if (record.chunksDone !== chunk - 1) {
    if (record.chunksDone === chunk) await queueNext(record);
    return 'stale';
  }
  logger.appendKeys({ merchantId, jobId });

  const item = await beginChunk(merchantId, jobId, chunk);
  const priorChunks = [...new Set(item.priorClaims.flatMap(({ rows }) => rows.map((row) => chunkOfRow(record.chunkStarts, row))))];
  const prior = priorChunks.length > 0 ? await readResults(merchantId, jobId, priorChunks) : new Map<number, RowResult[]>();
  const priorRows = new Map([...prior.values()].flat().map((result) => [result.row, result]));
  const createdClaims = priorCreatedClaims(item.priorClaims, (row) => priorRows.get(row));
  const pending = item.rows.filter((row): row is CheckedRow => 'input' in row);
  const results = await createRows(merchantId, pending, {
    createdClaims,
    findCreated: (checked) => earlierTryCreated(merchantId, checked, item.firstTryAt),
  });
  const rows = item.rows.map((row) => results.get(row.row) ?? (row as RowResult));

  let committed: ImportJobRecord;
  try {
    committed = await commitChunk(record, chunk, rows, new Date());
  } catch (error) {
    if (error instanceof ChunkAlreadyCounted) return 'stale';
    throw error;
  }
  if (committed.status === 'running') await queueNext(committed);
  else logger.info('Affiliate import job completed', { rows: committed.total, created: committed.created, failed: committed.failed });
  return committed.status;
};
