import { SendMessageCommand } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { requireSetting } from '../core/config';
import { sqs } from '../core/sqs';

const id = z.string().min(1).max(64);

/**
 * Do slice `slice` of a history job. `faults` counts the slices in a row that Stripe (or
 * contention) stopped before they did anything: each waits longer than the last.
 */
export const sliceMessageSchema = z.object({
  kind: z.literal('slice'),
  merchantId: id,
  jobId: id,
  slice: z.int().min(0),
  faults: z.int().min(0).default(0),
});
export type SliceMessage = z.infer<typeof sliceMessageSchema>;

/** Create chunk `chunk` (from 1) of an affiliate import job's rows (affiliates/import-job.ts). */
export const affiliateImportMessageSchema = z.object({
  kind: z.literal('affiliateImport'),
  merchantId: id,
  jobId: id,
  chunk: z.int().min(1),
});
export type AffiliateImportMessage = z.infer<typeof affiliateImportMessageSchema>;

/** The history queue's messages: long jobs that go on one message at a time. */
export const historyMessageSchema = z.discriminatedUnion('kind', [sliceMessageSchema, affiliateImportMessageSchema]);
export type HistoryMessage = z.infer<typeof historyMessageSchema>;

/** SQS's longest delay. */
const maxDelaySeconds = 900;
export const faultDelaySeconds = (faults: number): number => (faults === 0 ? 0 : Math.min(maxDelaySeconds, 15 * 2 ** faults));

const send = async (message: HistoryMessage, delaySeconds = 0): Promise<void> => {
  await sqs().send(
    new SendMessageCommand({ QueueUrl: requireSetting('TALLY_HISTORY_QUEUE_URL'), MessageBody: JSON.stringify(message), DelaySeconds: delaySeconds }),
  );
};

export const sendSlice = (message: SliceMessage): Promise<void> => send(message, faultDelaySeconds(message.faults));

export const sendAffiliateImportChunk = (message: AffiliateImportMessage): Promise<void> => send(message);
