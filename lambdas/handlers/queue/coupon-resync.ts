import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../../core/logger';
import { handleResyncMessage } from '../../coupon-sync/worker';

/**
 * The resync queue's consumer: every record on its own, the failed ones reported back as partial
 * batch failures. A processor per invocation, since it keeps the batch's state and the local
 * runner invokes this handler concurrently in one process.
 */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler((event: SQSEvent, context: Context) =>
    processPartialResponse(
      event,
      (record: SQSRecord) =>
        handleResyncMessage(
          { body: record.body, receiptHandle: record.receiptHandle, receiveCount: Number(record.attributes.ApproximateReceiveCount) },
          () => context.getRemainingTimeInMillis(),
        ),
      new BatchProcessor(EventType.SQS),
      { context, throwOnFullBatchFailure: false },
    ),
  );
