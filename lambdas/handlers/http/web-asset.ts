import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { HttpResult } from '../../http/response';
import { type WebAsset, webAssets } from '../../web/assets';

/**
 * The console's and portal's CSS and scripts. In AWS they sit beside the bundle (CDK copies them
 * into `assets/`); locally they are read from the repository. Versioned URLs, so cached a year.
 */
const root = path.resolve(__dirname, '../../..');
const cache = new Map<WebAsset, string>();

const read = (name: WebAsset): string => {
  const bundled = path.join(__dirname, 'assets', name);
  return readFileSync(existsSync(bundled) ? bundled : path.join(root, webAssets[name].source), 'utf8');
};

export const handler = async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
  const name = event.pathParameters?.file ?? '';
  if (!Object.hasOwn(webAssets, name)) return { statusCode: 404, headers: { 'content-type': 'text/plain' }, body: 'Not found' };
  const asset = name as WebAsset;
  let body = cache.get(asset);
  if (body === undefined) {
    body = read(asset);
    cache.set(asset, body);
  }
  return {
    statusCode: 200,
    headers: { 'content-type': webAssets[asset].contentType, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' },
    body,
  };
};
