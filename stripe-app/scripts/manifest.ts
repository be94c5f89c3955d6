/**
 * The manifest for one Tally deployment. Everything in `stripe-app.json` that names Tally's URL
 * (the one `connect-src` the views may call, the console link's base, the install redirect) comes
 * from a single build-time setting, so they cannot disagree:
 *
 *   TALLY_URL=https://tally.shop.example npx tsx stripe-app/scripts/manifest.ts
 *
 * rewrites stripe-app.json in place before `stripe apps upload`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Manifest {
  ui_extension: { content_security_policy: { 'connect-src': string[] } & Record<string, unknown> } & Record<string, unknown>;
  constants: { TALLY_URL: string };
  allowed_redirect_uris: string[];
  [field: string]: unknown;
}

export const manifestPath = join(__dirname, '..', 'stripe-app.json');

/** An https origin, or http only for a local stack (the Dashboard itself refuses http elsewhere). */
export const tallyOrigin = (setting: string): string => {
  const url = new URL(setting);
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) throw new Error(`TALLY_URL must be an https URL, not ${setting}`);
  if (url.pathname !== '/' || url.search || url.hash) throw new Error(`TALLY_URL is an origin without a path: ${setting}`);
  return url.origin;
};

export const configuredManifest = (manifest: Manifest, tallyUrl: string): Manifest => {
  const origin = tallyOrigin(tallyUrl);
  return {
    ...manifest,
    ui_extension: {
      ...manifest.ui_extension,
      content_security_policy: { ...manifest.ui_extension.content_security_policy, 'connect-src': [`${origin}/stripe-app/`] },
    },
    constants: { ...manifest.constants, TALLY_URL: origin },
    allowed_redirect_uris: [`${origin}/oauth/stripe/callback`],
  };
};

if (require.main === module) {
  const setting = process.env.TALLY_URL;
  if (!setting) throw new Error('Set TALLY_URL to the Tally deployment the app talks to');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  writeFileSync(manifestPath, `${JSON.stringify(configuredManifest(manifest, setting), null, 2)}\n`);
  console.log(`stripe-app.json now points at ${tallyOrigin(setting)}`);
}
