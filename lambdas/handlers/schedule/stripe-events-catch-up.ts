import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../core/logger';
import { startDailyCatchUp } from '../../history/catch-up';

/**
 * EventBridge's daily tick: a catch-up from every connected account's event log. Invoked by hand
 * with `{"detail": {"merchantId": "mer_…"}}`, it catches up that merchant's accounts now.
 */
export const handler = middy<ScheduledEvent<{ merchantId?: unknown } | undefined>>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler((event) => {
    const merchantId = event.detail?.merchantId;
    return startDailyCatchUp(typeof merchantId === 'string' ? { merchantId } : {});
  });
