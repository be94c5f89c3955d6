import type { DemoSeedOutcome } from '../../bin/local/demo-seed';
import { spawnLocalStack, type SpawnedStack } from '../support/spawn-stack';

/**
 * `npm start`'s first start seeds the demo merchant. This stack is its own (the shared one starts
 * bare), since the seed's renewal moves the emulator's clock a month ahead.
 */
describe('the demo seed of a first start', () => {
  let started: SpawnedStack;
  const demoApi = async (path: string) => {
    const { apiUrl, demo } = started.description;
    const response = await fetch(new URL(path, apiUrl), { headers: { authorization: `Bearer ${demo.apiKey}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as any;
  };

  beforeAll(async () => {
    started = await spawnLocalStack({ logName: 'local-stack-demo-seed.log', demoSeed: true });
  }, 180_000);
  afterAll(() => started?.stop());

  it('gives the new demo merchant affiliates, purchases, commissions, a payout and stats', async () => {
    const seed = (started.description as { demoSeed?: DemoSeedOutcome }).demoSeed;
    // Seeded means within the seed's own time limit (30 s); alone it takes 6 to 13 s on two cores.
    expect(seed).toMatchObject({ seeded: true });
    console.log(`demo seed: ${seed?.summary}`);

    const affiliates = (await demoApi('/v1/affiliates')).data;
    expect(affiliates).toHaveLength(4);
    expect(affiliates.every((affiliate: any) => affiliate.couponSync.test.status === 'synced')).toBe(true);

    const purchases = (await demoApi('/v1/purchases?mode=test&limit=100')).data;
    expect(purchases).toHaveLength(8);
    expect(purchases.every((purchase: any) => purchase.affiliateId)).toBe(true);
    expect(purchases.some((purchase: any) => purchase.attribution.source === 'coupon')).toBe(true);
    expect(purchases.some((purchase: any) => purchase.refunded.amount > 0)).toBe(true);

    // A purchase whose evidence came after it is credited by the ledger queue's correction, a moment later.
    let commissions: any[] = [];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 250))) {
      commissions = (await demoApi('/v1/commissions?mode=test&limit=100')).data;
      if (commissions.length === 8) break;
    }
    expect(commissions).toHaveLength(8);
    expect(commissions.some((commission: any) => commission.status === 'paid')).toBe(true);

    const payouts = (await demoApi('/v1/payouts?mode=test')).data;
    expect(payouts).toHaveLength(1);

    const stats = await demoApi('/v1/stats?mode=test');
    expect(stats).toMatchObject({ visits: 18, leads: 6, cancellations: 1, newAffiliates: 4 });
    expect(stats.sales.count).toBeGreaterThan(0);
    expect(stats.commissions.earned[0].amount).toBeGreaterThan(0);
    expect(stats.refunds.count).toBeGreaterThan(0);
  });
});
