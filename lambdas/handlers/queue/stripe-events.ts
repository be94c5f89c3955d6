import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../../core/logger';
import { RefusedEvent, receiveBusEvent } from '../../webhooks/eventbridge';

/**
 * The consumer of Stripe's EventBridge events: each record applied on its own, like a webhook
 * delivery. A failed record (Stripe busy, a concurrent change) is received again; a refused one
 * fails every receive until SQS moves it to the dead-letter queue.
 */
const receiveRecord = async (record: SQSRecord) => {
  try {
    return await receiveBusEvent(record.body);
  } catch (error) {
    if (error instanceof RefusedEvent) {
      logger.error('Stripe event refused; it goes to the dead-letter queue after its receives', {
        reason: error.type,
        detail: error.message,
        receiveCount: Number(record.attributes.ApproximateReceiveCount),
      });
    }
    throw error;
  }
};

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler((event: SQSEvent, context: Context) =>
    processPartialResponse(event, receiveRecord, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false }),
  );
