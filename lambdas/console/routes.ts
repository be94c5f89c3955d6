import type { WebRoute } from '../web/app';
import { signInRoutes } from '../web/sign-in';
import { affiliateRoutes } from './affiliates';
import { commissionRoutes } from './commissions';
import { overviewRoutes } from './overview';
import { payoutRoutes } from './payouts';
import { planRoutes } from './plans';
import { settingsRoutes } from './settings';
import { stripeRoutes } from './stripe';

/**
 * Every page and action of the merchant console (`/console/…`), one module per section of its
 * navigation. The same table serves the pages function (GET) and the actions function (POST).
 */
export const consoleRoutes: readonly WebRoute[] = [...signInRoutes('console'), ...overviewRoutes, ...affiliateRoutes, ...planRoutes, ...commissionRoutes, ...payoutRoutes, ...stripeRoutes, ...settingsRoutes];
