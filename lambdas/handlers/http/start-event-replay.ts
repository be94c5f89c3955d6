import * as z from 'zod';
import { modeQuery } from '../../core/schemas';
import { startReplay } from '../../history/start';
import { json } from '../../http/response';
import { merchantRoute } from '../../http/route';

const replayQuery = modeQuery.extend({ since: z.iso.datetime({ offset: true }).transform((since) => new Date(since)) });

/** 202 `{job}`: poll `GET /v1/stripe-events/replay/{jobId}` for its counts. */
export const handler = merchantRoute({ query: replayQuery }, async ({ merchantId, query }) =>
  json(202, { job: await startReplay(merchantId, query.mode, query.since) }),
);
