import * as Import from '../../affiliates/import';
import * as ImportJob from '../../affiliates/import-job';
import { ValidationError } from '../../core/errors';
import { httpRoutes, httpTimeoutSeconds } from '../../functions';
import { json } from '../../http/response';
import { header, merchantRoute, rawBody } from '../../http/route';

/** Time kept back from the function's timeout to answer, and to store the answer for its Idempotency-Key. */
const answerMarginMs = 3000;
const timeoutSeconds = httpRoutes.find((route) => route.handler === 'import-affiliates')?.timeoutSeconds ?? httpTimeoutSeconds;

const requireCsv = (contentType: string | undefined) => {
  if (!/^text\/csv\s*(;|$)/i.test(contentType ?? ''))
    throw new ValidationError('Send the affiliates as CSV, with Content-Type: text/csv.', [
      { path: ['Content-Type'], message: 'must be text/csv' },
    ]);
};

/** Up to `maxSyncImportRows` rows: 200 with every row's result; more: 202 `{job}`, polled at `GET /v1/imports/{jobId}`. */
export const handler = merchantRoute({}, async ({ merchantId, event }) => {
  requireCsv(header(event, 'content-type'));
  const rows = Import.readImportFile(rawBody(event));
  if (rows.length > Import.maxSyncImportRows) return json(202, { job: await ImportJob.start(merchantId, rows) });
  return Import.importRows(merchantId, rows, { deadline: Date.now() + timeoutSeconds * 1000 - answerMarginMs });
});
