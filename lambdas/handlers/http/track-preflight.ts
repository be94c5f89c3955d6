import * as z from 'zod';
import { NotFoundError } from '../../core/errors';
import { anyOriginPreflight } from '../../http/cors';
import { publicRoute } from '../../http/route';

const tracked = new Set(['visit', 'lead']);

/** The browser's CORS preflight for the tracking API (the script itself sends none: text/plain). */
export const handler = publicRoute(
  { params: z.object({ action: z.string() }), headers: anyOriginPreflight },
  async ({ params }) => {
    if (!tracked.has(params.action)) throw new NotFoundError('Route');
    return { statusCode: 204, body: '' };
  },
);
