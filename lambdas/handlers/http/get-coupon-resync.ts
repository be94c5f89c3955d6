import * as z from 'zod';
import * as Jobs from '../../coupon-sync/job';
import { merchantRoute } from '../../http/route';

const jobParam = z.object({ jobId: z.string().min(1).max(64) });

export const handler = merchantRoute({ params: jobParam }, ({ merchantId, params }) => Jobs.get(merchantId, params.jobId));
