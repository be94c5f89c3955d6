import * as ImportJob from '../../affiliates/import-job';
import { get } from '../../history/job';
import { jobParam } from '../../history/schema';
import { merchantRoute } from '../../http/route';

/** A Stripe history import, or an affiliate import job (`aimp_…`, from `POST /v1/affiliates/import`). */
export const handler = merchantRoute({ params: jobParam }, ({ merchantId, params }) =>
  ImportJob.isAffiliateImportJobId(params.jobId) ? ImportJob.get(merchantId, params.jobId) : get(merchantId, 'import', params.jobId),
);
