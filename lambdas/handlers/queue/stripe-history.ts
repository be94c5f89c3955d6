import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../../core/logger';
import { handleHistoryMessage } from '../../history/runner';

/** The history queue's consumer: one slice of a catch-up or an import per record, failures reported back. */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler((event: SQSEvent, context: Context) =>
    processPartialResponse(event, (record: SQSRecord) => handleHistoryMessage(record.body, () => context.getRemainingTimeInMillis()), new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
    }),
  );
