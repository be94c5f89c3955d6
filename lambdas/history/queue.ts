import { SendMessageCommand } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { requireSetting } from '../core/config';
import { sqs } from '../core/sqs';

/**
 * The history queue's one message: do slice `slice` of a job. `faults` counts the slices in a row
 * that Stripe (or contention) stopped before they did anything: each waits longer than the last.
 */
const id = z.string().min(1).max(64);

export const historyMessageSchema = z.object({
  kind: z.literal('slice'),
  merchantId: id,
  jobId: id,
  slice: z.int().min(0),
  faults: z.int().min(0).default(0),
});
export type HistoryMessage = z.infer<typeof historyMessageSchema>;

/** SQS's longest delay. */
const maxDelaySeconds = 900;
export const faultDelaySeconds = (faults: number): number => (faults === 0 ? 0 : Math.min(maxDelaySeconds, 15 * 2 ** faults));

export const sendSlice = async (message: HistoryMessage): Promise<void> => {
  await sqs().send(
    new SendMessageCommand({
      QueueUrl: requireSetting('TALLY_HISTORY_QUEUE_URL'),
      MessageBody: JSON.stringify(message),
      DelaySeconds: faultDelaySeconds(message.faults),
    }),
  );
};
