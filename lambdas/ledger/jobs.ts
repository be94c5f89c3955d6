import { SendMessageCommand } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { requireSetting } from '../core/config';
import { modeSchema } from '../core/mode';
import { sqs } from '../core/sqs';

/**
 * The ledger queue's messages. `correct`: derive a customer's purchases again after a change to
 * their summary (correction.ts). `pay`: go on with a payout too large for its request (payouts.ts).
 * Both are idempotent and resumable: a message delivered twice, or after a crash, does no harm.
 */
const id = z.string().min(1).max(256);

export const correctMessageSchema = z.object({ kind: z.literal('correct'), merchantId: id, mode: modeSchema, bookId: id });
export type CorrectMessage = z.infer<typeof correctMessageSchema>;

export const payMessageSchema = z.object({ kind: z.literal('pay'), merchantId: id, mode: modeSchema, payoutId: id });
export type PayMessage = z.infer<typeof payMessageSchema>;

export const ledgerMessageSchema = z.discriminatedUnion('kind', [correctMessageSchema, payMessageSchema]);
export type LedgerMessage = z.infer<typeof ledgerMessageSchema>;

export const sendLedgerMessage = async (message: LedgerMessage): Promise<void> => {
  await sqs().send(new SendMessageCommand({ QueueUrl: requireSetting('TALLY_LEDGER_QUEUE_URL'), MessageBody: JSON.stringify(message) }));
};

export const queueCorrection = (target: Omit<CorrectMessage, 'kind'>): Promise<void> => sendLedgerMessage({ kind: 'correct', ...target });
