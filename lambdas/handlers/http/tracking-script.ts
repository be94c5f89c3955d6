import { publicRoute } from '../../http/route';
import { trackingScript } from '../../tracking/script';

/** The tracking script for merchants' websites; cached an hour, so a fix reaches every site that day. */
export const handler = publicRoute({}, async () => ({
  statusCode: 200,
  headers: {
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': 'public, max-age=3600',
    'x-content-type-options': 'nosniff',
    // Loadable by sites that isolate themselves (Cross-Origin-Embedder-Policy: require-corp).
    'cross-origin-resource-policy': 'cross-origin',
  },
  body: trackingScript,
}));
