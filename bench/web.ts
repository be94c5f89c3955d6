import { gzipSync } from 'node:zlib';
import { spawnLocalStack } from '../test/support/spawn-stack';

/**
 * `npm run bench -- web`: the JavaScript each console and portal page ships, as a browser gets it.
 * Every page is rendered by a local stack for a signed-in owner (console) and an invited affiliate
 * (portal); its `<script src>` assets are fetched and gzipped (level 9, as a CDN would), and the
 * total is printed beside issue 12's limit of 100 KB gzipped per page.
 */
const limitBytes = 100 * 1024;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export const webBenchmark = async (): Promise<void> => {
  const spawned = await spawnLocalStack({ logName: 'bench-web-stack.log' });
  const { apiUrl, publicUrl, operatorKey, tableName, dynamoEndpoint } = spawned.description;
  // Sessions are made in this process, in the stack's table, instead of through the mail flow.
  Object.assign(process.env, {
    TALLY_TABLE_NAME: tableName,
    TALLY_DYNAMODB_ENDPOINT: dynamoEndpoint,
    TALLY_PUBLIC_URL: publicUrl,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  const { createSession } = await import('../lambdas/people');
  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const response = await fetch(new URL(path, apiUrl), {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<{ merchant: { id: string }; apiKey: string; id: string }>;
  };

  try {
    const ownerEmail = 'owner@bench.example.com';
    const created = await call('POST', '/v1/merchants', operatorKey, { name: 'Web bench', ownerEmail });
    const merchantId = created.merchant.id;
    const affiliate = await call('POST', '/v1/affiliates', created.apiKey, { email: 'affiliate@bench.example.com', name: 'Bench Affiliate' });
    await call('POST', `/v1/affiliates/${affiliate.id}/invite`, created.apiKey);
    const now = new Date();
    const cookieOf = (session: { cookie: string }) => session.cookie.split(';')[0] as string;
    const consoleCookie = cookieOf(await createSession({ area: 'console', email: ownerEmail, merchantId, role: 'owner' }, now));
    const portalCookie = cookieOf(await createSession({ area: 'portal', email: 'affiliate@bench.example.com', merchantId, affiliateId: affiliate.id }, now));

    const pages: { name: string; path: string; cookie: string }[] = [
      ...[
        ['Overview', '/console/'],
        ['Affiliates', '/console/affiliates'],
        ['Affiliate detail', `/console/affiliates/${affiliate.id}`],
        ['Plans', '/console/plans'],
        ['Commissions', '/console/commissions'],
        ['Payouts', '/console/payouts'],
        ['Stripe', '/console/stripe'],
        ['Settings', '/console/settings'],
      ].map(([name, path]) => ({ name: `console ${name}`, path: path as string, cookie: consoleCookie })),
      ...[
        ['Home', '/portal/'],
        ['Commissions', '/portal/commissions'],
        ['Payouts', '/portal/payouts'],
      ].map(([name, path]) => ({ name: `portal ${name}`, path: path as string, cookie: portalCookie })),
      { name: 'sign-in', path: '/console/sign-in', cookie: '' },
    ];

    const assets = new Map<string, { raw: number; gzipped: number }>();
    const sizeOf = async (src: string) => {
      let size = assets.get(src);
      if (!size) {
        const response = await fetch(new URL(src, publicUrl));
        if (!response.ok) throw new Error(`${src}: ${response.status}`);
        const body = Buffer.from(await response.arrayBuffer());
        size = { raw: body.length, gzipped: gzipSync(body, { level: 9 }).length };
        assets.set(src, size);
      }
      return size;
    };

    const rows: string[][] = [];
    for (const page of pages) {
      const response = await fetch(new URL(page.path, publicUrl), { headers: page.cookie ? { cookie: page.cookie } : {}, redirect: 'manual' });
      if (response.status !== 200) {
        rows.push([page.name, `answers ${response.status} (not built yet?)`, '', '', '']);
        continue;
      }
      const html = await response.text();
      const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((match) => (match[1] as string).replace(/&amp;/g, '&'));
      let raw = 0;
      let gzipped = 0;
      for (const src of scripts) {
        const size = await sizeOf(src);
        raw += size.raw;
        gzipped += size.gzipped;
      }
      const names = scripts.map((src) => new URL(src, publicUrl).pathname.replace('/assets/', '')).join(' + ') || 'none';
      rows.push([page.name, names, kb(raw), kb(gzipped), gzipped <= limitBytes ? 'within 100 KB' : 'OVER 100 KB']);
    }

    console.log('Scripts per asset (gzip -9):');
    for (const [src, size] of assets) console.log(`  ${new URL(src, publicUrl).pathname.padEnd(24)} ${kb(size.raw).padStart(9)} raw  ${kb(size.gzipped).padStart(8)} gzipped`);
    console.log('\nJavaScript per page (target: at most 100 KB gzipped):');
    const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length), ['page', 'scripts', 'raw', 'gzipped'][column]?.length ?? 0));
    const line = (row: string[]) => `  ${row.map((cell, column) => (column < 4 ? cell.padEnd(widths[column] ?? 0) : cell)).join('  ')}`;
    console.log(line(['page', 'scripts', 'raw', 'gzipped', 'verdict']));
    for (const row of rows) console.log(line(row));
  } finally {
    await spawned.stop();
  }
};
