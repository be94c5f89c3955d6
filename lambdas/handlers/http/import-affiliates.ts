import * as Import from '../../affiliates/import';
import { ValidationError } from '../../core/errors';
import { httpRoutes, httpTimeoutSeconds } from '../../functions';
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

export const handler = merchantRoute({}, ({ merchantId, event }) => {
  requireCsv(header(event, 'content-type'));
  return Import.importAffiliates(merchantId, rawBody(event), { deadline: Date.now() + timeoutSeconds * 1000 - answerMarginMs });
});
