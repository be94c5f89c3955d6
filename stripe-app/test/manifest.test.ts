import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configuredManifest, type Manifest, manifestPath, tallyOrigin } from '../scripts/manifest';

const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest & {
  id: string;
  version: string;
  name: string;
  icon: string;
  permissions: { permission: string; purpose: string }[];
  ui_extension: { views: { viewport: string; component: string }[]; content_security_policy: { 'connect-src': string[]; purpose: string } };
  stripe_api_access_type: string;
  sandbox_install_compatible: boolean;
};
const appRoot = join(__dirname, '..');

/** The schema's top-level fields (stripe/stripe-apps schema/stripe-app.schema.json, plus sandbox support and API access). */
const schemaFields = [
  '$schema',
  'id',
  'version',
  'name',
  'icon',
  'permissions',
  'app_backend',
  'post_install_action',
  'ui_extension',
  'constants',
  'allowed_redirect_uris',
  'distribution_type',
  'stripe_api_access_type',
  'sandbox_install_compatible',
];

describe('stripe-app.json', () => {
  it('has the fields the schema requires and none it does not know', () => {
    for (const field of ['id', 'version', 'name', 'icon', 'permissions', 'ui_extension']) expect(manifest).toHaveProperty(field);
    expect(Object.keys(manifest).filter((field) => !schemaFields.includes(field))).toEqual([]);
    expect(manifest.id).toMatch(/^[a-zA-Z0-9_.-]+$/);
    expect(manifest.icon).toMatch(/^\.\/[a-zA-Z0-9_/-]+\.png$/);
    expect(existsSync(join(appRoot, manifest.icon))).toBe(true);
  });

  it('shows a view in the drawer, on customers, invoices and payments, and in settings, each a component in src/views', () => {
    expect(Object.fromEntries(manifest.ui_extension.views.map((view) => [view.viewport, view.component]))).toEqual({
      'stripe.dashboard.drawer.default': 'App',
      'stripe.dashboard.customer.detail': 'CustomerDetail',
      'stripe.dashboard.invoice.detail': 'InvoiceDetail',
      'stripe.dashboard.payment.detail': 'PaymentDetail',
      settings: 'AppSettings',
    });
    const views = readdirSync(join(appRoot, 'src', 'views'));
    for (const { component } of manifest.ui_extension.views) expect(views).toContain(`${component}.tsx`);
  });

  it('asks only for read permissions, but coupon_write for the coupon sync, each with a purpose', () => {
    for (const { permission, purpose } of manifest.permissions) {
      expect(permission).toMatch(/_read$|^coupon_write$/);
      expect(purpose.length).toBeGreaterThan(20);
    }
    expect(new Set(manifest.permissions.map((entry) => entry.permission)).size).toBe(manifest.permissions.length);
  });

  it("lets the views call only Tally's Stripe App routes, on the URL the views read from the constants", () => {
    const origin = manifest.constants.TALLY_URL;
    expect(manifest.ui_extension.content_security_policy['connect-src']).toEqual([`${origin}/stripe-app/`]);
    expect(manifest.ui_extension.content_security_policy.purpose).toEqual(expect.any(String));
    expect(manifest.allowed_redirect_uris).toEqual([`${origin}/oauth/stripe/callback`]);
  });

  it('installs in sandboxes, and reaches the account with the platform key', () => {
    expect(manifest.sandbox_install_compatible).toBe(true);
    expect(manifest.stripe_api_access_type).toBe('platform');
  });
});

describe('the build-time Tally URL (scripts/manifest.ts)', () => {
  it('points connect-src, the constants and the install redirect at one deployment', () => {
    const built = configuredManifest(manifest, 'https://tally.shop.example');
    expect(built.ui_extension.content_security_policy['connect-src']).toEqual(['https://tally.shop.example/stripe-app/']);
    expect(built.constants.TALLY_URL).toBe('https://tally.shop.example');
    expect(built.allowed_redirect_uris).toEqual(['https://tally.shop.example/oauth/stripe/callback']);
    expect(built.permissions).toEqual(manifest.permissions);
  });

  it('refuses anything but an https origin (http only for a local stack)', () => {
    expect(tallyOrigin('http://localhost:3000')).toBe('http://localhost:3000');
    expect(() => tallyOrigin('http://tally.shop.example')).toThrow('https');
    expect(() => tallyOrigin('https://tally.shop.example/api')).toThrow('origin');
  });
});
