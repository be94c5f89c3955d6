import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../core/logger';
import { sweepHistoryJobs } from '../../history/sweep';

/** EventBridge's tick: queue again the next slice of history jobs whose message was lost. */
export const handler = middy<ScheduledEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(() => sweepHistoryJobs());
