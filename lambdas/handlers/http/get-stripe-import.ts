import { get } from '../../history/job';
import { jobParam } from '../../history/schema';
import { merchantRoute } from '../../http/route';

export const handler = merchantRoute({ params: jobParam }, ({ merchantId, params }) => get(merchantId, 'import', params.jobId));
