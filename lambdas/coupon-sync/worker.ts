import { readMessage } from '../core/messages';
import { logger } from '../core/logger';
import { queues } from '../functions';
import { resetForAccount } from './connected';
import { fanOut } from './fan-out';
import * as Queue from './queue';
import { syncAffiliate } from './sync';

/**
 * How long a failed message waits before its next delivery: 10 s, 40 s, 160 s, 640 s. The failure
 * of its last allowed delivery sends it on to the dead-letter queue at once.
 */
export const retryDelaySeconds = (receiveCount: number, maxReceiveCount: number = queues.resync.maxReceiveCount): number =>
  receiveCount >= maxReceiveCount ? 0 : Math.min(900, 10 * 4 ** (receiveCount - 1));

export interface ReceivedMessage {
  body: string;
  receiptHandle: string;
  receiveCount: number;
}

const parse = (body: string): Queue.ResyncMessage => readMessage(body, Queue.resyncMessageSchema, 'resync');

const run = (message: Queue.ResyncMessage, remainingMs: () => number): Promise<string> => {
  switch (message.kind) {
    case 'sync':
      return syncAffiliate(message);
    case 'fanOut':
      return fanOut(message, remainingMs);
    case 'connected':
      return resetForAccount(message, remainingMs);
  }
};

/** What to log of a message: identifiers, never the Stripe objects it carries. */
const describe = (message: Queue.ResyncMessage | undefined) =>
  message && {
    kind: message.kind,
    merchantId: message.merchantId,
    mode: message.mode,
    jobId: message.jobId,
    ...(message.kind === 'sync' ? { affiliateId: message.affiliateId } : {}),
  };

/**
 * One message of the resync queue. Whatever fails — Stripe unavailable after a few tries, a
 * throttled table, a bug — the message goes back to the queue with a growing delay (the SDK does
 * not retry a 429, and failing the affiliate for it would be wrong); after the queue's
 * maxReceiveCount deliveries it rests in the dead-letter queue, whose alarm calls the on-call.
 */
export const handleResyncMessage = async (received: ReceivedMessage, remainingMs: () => number): Promise<void> => {
  let message: Queue.ResyncMessage | undefined;
  try {
    message = parse(received.body);
    const outcome = await run(message, remainingMs);
    logger.info('Coupon resync message', { ...describe(message), outcome });
  } catch (error) {
    const delaySeconds = retryDelaySeconds(received.receiveCount);
    logger.warn('Coupon resync message failed; it will be retried', {
      ...describe(message),
      receiveCount: received.receiveCount,
      delaySeconds,
      error: error as Error,
    });
    await Queue.returnLater(received.receiptHandle, delaySeconds);
    throw error;
  }
};
