import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../core/logger';
import { sweepCorrections } from '../../ledger/sweep';

/** EventBridge's tick: queue again the ledger corrections that have been pending too long. */
export const handler = middy<ScheduledEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const queued = await sweepCorrections();
    logger.info('Ledger corrections swept', { queued });
  });
