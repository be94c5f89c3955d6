import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../core/logger';
import { startDriftRepair } from '../../coupon-sync/drift-repair';

/** EventBridge's tick: a drift-repair resync for every merchant with auto-sync on. */
export const handler = middy<ScheduledEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(() => startDriftRepair());
