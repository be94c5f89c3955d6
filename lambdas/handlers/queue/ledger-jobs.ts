import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../../core/logger';
import { handleLedgerMessage } from '../../ledger/job-runner';

/** The ledger queue's consumer: corrections and payouts, each record on its own, failures reported back. */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler((event: SQSEvent, context: Context) =>
    processPartialResponse(event, (record: SQSRecord) => handleLedgerMessage(record.body, () => context.getRemainingTimeInMillis()), new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
    }),
  );
