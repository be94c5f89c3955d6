import { modeQuery } from '../../core/schemas';
import { importDay } from '../../history/schema';
import { startImport } from '../../history/start';
import { json } from '../../http/response';
import { merchantRoute } from '../../http/route';

/** 202 `{job}`: poll `GET /v1/imports/{jobId}` for its progress. */
export const handler = merchantRoute({ query: modeQuery.extend({ since: importDay }) }, async ({ merchantId, query }) =>
  json(202, { job: await startImport(merchantId, query.mode, query.since) }),
);
