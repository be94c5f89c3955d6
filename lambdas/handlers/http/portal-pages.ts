import { portalRoutes } from '../../portal/routes';
import { webHandler } from '../../web/app';

/** The affiliate portal's pages (lambdas/portal/): one route table, served by pages (GET) and actions (POST). */
export const handler = webHandler('portal', portalRoutes);
