import { ChangeMessageVisibilityCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import { requireSetting } from '../core/config';
import { UpstreamError } from '../core/errors';
import { logger } from '../core/logger';
import { modeSchema } from '../core/mode';
import { sqs } from '../core/sqs';
import { promotionCodeViewSchema } from './plan';

/**
 * The resync queue's three kinds of message. `sync`: make one affiliate's code true in Stripe in
 * one mode — alone, or as part of a job, with what the job's fan-out saw on the account. `fanOut`:
 * a job's walk through the merchant's affiliates in one mode, which sends the `sync` messages.
 * `connected`: a walk that resets the affiliates' sync records after a new account was connected.
 */
const id = z.string().min(1).max(64);

export const syncMessageSchema = z.object({
  kind: z.literal('sync'),
  merchantId: id,
  mode: modeSchema,
  affiliateId: id,
  jobId: id.optional(),
  observed: z.array(promotionCodeViewSchema).optional(),
  /** An explicit resync also reads the account's active promotion codes for any other Tally made for the affiliate. */
  sweep: z.boolean().optional(),
});
export type SyncMessage = z.infer<typeof syncMessageSchema>;

export const fanOutMessageSchema = z.object({ kind: z.literal('fanOut'), merchantId: id, mode: modeSchema, jobId: id });
export type FanOutMessage = z.infer<typeof fanOutMessageSchema>;

export const connectedMessageSchema = z.object({
  kind: z.literal('connected'),
  merchantId: id,
  mode: modeSchema,
  accountId: id,
  /** The walk covers the affiliates that existed at the connection; later ones start with nothing recorded. */
  affiliatesUpTo: id,
  /** Whether auto-sync was on at the connection: then the walk ends by starting a bulk resync. */
  resync: z.boolean(),
  /** That bulk resync, named in advance so that a rerun starts it once. */
  jobId: id,
  /** The last affiliate an earlier invocation of the walk reset. */
  after: id.optional(),
});
export type ConnectedMessage = z.infer<typeof connectedMessageSchema>;

export const resyncMessageSchema = z.discriminatedUnion('kind', [syncMessageSchema, fanOutMessageSchema, connectedMessageSchema]);
export type ResyncMessage = z.infer<typeof resyncMessageSchema>;

const queueUrl = () => requireSetting('TALLY_RESYNC_QUEUE_URL');

/** SQS takes ten messages a call; a few calls run at once, so a fan-out page goes out quickly. */
const batchSize = 10;
const batchesAtOnce = 8;
const attempts = 3;

const sendBatch = async (messages: ResyncMessage[]): Promise<void> => {
  let pending = messages.map((message, index) => ({ Id: String(index), MessageBody: JSON.stringify(message) }));
  for (let attempt = 1; pending.length > 0; attempt++) {
    const { Failed = [] } = await sqs().send(new SendMessageBatchCommand({ QueueUrl: queueUrl(), Entries: pending }));
    const failed = new Set(Failed.map((entry) => entry.Id));
    pending = pending.filter((entry) => failed.has(entry.Id));
    if (pending.length === 0) return;
    if (attempt >= attempts) throw new UpstreamError('queue_unavailable', 'The resync queue did not accept the messages; retry.');
    await sleep(100 * attempt);
  }
};

/** Sends messages in SendMessageBatch groups; throws if any could not be queued. */
export const sendAll = async (messages: readonly ResyncMessage[]): Promise<void> => {
  const batches: ResyncMessage[][] = [];
  for (let start = 0; start < messages.length; start += batchSize) batches.push(messages.slice(start, start + batchSize));
  for (let start = 0; start < batches.length; start += batchesAtOnce)
    await Promise.all(batches.slice(start, start + batchesAtOnce).map(sendBatch));
};

/**
 * Puts a received message back for later, as Lambda's event source mapping leaves a failed one:
 * it comes back after `delaySeconds` instead of the queue's whole visibility timeout. If that call
 * fails, the message still comes back, only later.
 */
export const returnLater = async (receiptHandle: string, delaySeconds: number): Promise<void> => {
  try {
    await sqs().send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl(), ReceiptHandle: receiptHandle, VisibilityTimeout: delaySeconds }));
  } catch (error) {
    logger.warn('Could not shorten the wait of a failed message', { error: error as Error });
  }
};
