import type { WebRoute } from '../web/app';
import { signInRoutes } from '../web/sign-in';
import { portalHomeRoutes } from './home';

/** Every page and action of the affiliate portal (`/portal/…`). */
export const portalRoutes: readonly WebRoute[] = [...signInRoutes('portal'), ...portalHomeRoutes];
