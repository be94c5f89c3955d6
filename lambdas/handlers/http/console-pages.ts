import { consoleRoutes } from '../../console/routes';
import { webHandler } from '../../web/app';

/** The merchant console's pages (lambdas/console/): one route table, served by pages (GET) and actions (POST). */
export const handler = webHandler('console', consoleRoutes);
