/**
 * The files the console and portal load, served by `GET /assets/{file}` (handlers/http/web-asset.ts)
 * from the function's bundle in AWS (CDK copies them there, lib/tally-function.ts) and from the
 * repository locally. Kept free of runtime imports: the CDK app reads it.
 */
export const webAssets = {
  'pico.css': { source: 'node_modules/@picocss/pico/css/pico.min.css', contentType: 'text/css; charset=utf-8' },
  'uplot.css': { source: 'node_modules/uplot/dist/uPlot.min.css', contentType: 'text/css; charset=utf-8' },
  'uplot.js': { source: 'node_modules/uplot/dist/uPlot.iife.min.js', contentType: 'text/javascript; charset=utf-8' },
  'tally.css': { source: 'lambdas/web/static/tally.css', contentType: 'text/css; charset=utf-8' },
  'tally.js': { source: 'lambdas/web/static/tally.js', contentType: 'text/javascript; charset=utf-8' },
} as const;
export type WebAsset = keyof typeof webAssets;

/** Bumped with the assets, so browsers may cache them for a year (`?v=`). */
export const assetVersion = '1';
export const assetUrl = (name: WebAsset): string => `/assets/${name}?v=${assetVersion}`;
