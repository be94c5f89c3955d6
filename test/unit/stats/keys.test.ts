import { type Key, type KeyRange, keys } from '../../../lambdas/store/keys';

const within = (range: KeyRange, key: Key) => key.pk === range.pk && key.sk >= range.skFrom && key.sk <= range.skTo;

describe('stats keys', () => {
  it('reads every shard of the first and last day of a range, and nothing past it', () => {
    const range = keys.statsDays('mer_1', 'live', '2026-03-01', '2026-03-31');
    expect(within(range, keys.statsDay('mer_1', 'live', '2026-03-01', 0))).toBe(true);
    expect(within(range, keys.statsDay('mer_1', 'live', '2026-03-31', 9))).toBe(true);
    expect(within(range, keys.statsDay('mer_1', 'live', '2026-02-28', 3))).toBe(false);
    expect(within(range, keys.statsDay('mer_1', 'live', '2026-04-01', 0))).toBe(false);
    expect(within(range, keys.statsDay('mer_1', 'test', '2026-03-15', 0))).toBe(false);
    expect(within(range, keys.statsDay('mer_2', 'live', '2026-03-15', 0))).toBe(false);
  });

  it("reads every affiliate and shard of the range's days and months, and keeps days, months and totals apart", () => {
    const days = keys.statsAffiliateDays('mer_1', 'live', '2026-03-01', '2026-03-31');
    const months = keys.statsAffiliateMonths('mer_1', 'live', '2025-04', '2026-02');
    expect(within(days, keys.statsAffiliateDay('mer_1', 'live', '2026-03-01', 'aff_1', 0))).toBe(true);
    expect(within(days, keys.statsAffiliateDay('mer_1', 'live', '2026-03-31', 'aff_zzzzzzzz', 9))).toBe(true);
    expect(within(days, keys.statsAffiliateDay('mer_1', 'live', '2026-04-01', 'aff_1', 0))).toBe(false);
    expect(within(days, keys.statsAffiliateMonth('mer_1', 'live', '2026-03', 'aff_1', 0))).toBe(false);
    expect(within(days, keys.statsDay('mer_1', 'live', '2026-03-15', 0))).toBe(false);
    expect(within(months, keys.statsAffiliateMonth('mer_1', 'live', '2026-02', 'aff_zzzzzzzz', 9))).toBe(true);
    expect(within(months, keys.statsAffiliateMonth('mer_1', 'live', '2026-03', 'aff_1', 0))).toBe(false);
    expect(within(months, keys.statsAffiliateDay('mer_1', 'live', '2026-02-10', 'aff_1', 0))).toBe(false);
  });

  it("gives each shard of an affiliate's day and month an item of its own", () => {
    const dayKeys = [0, 1, 2, 3].map((shard) => keys.statsAffiliateDay('mer_1', 'live', '2026-03-01', 'aff_1', shard).sk);
    const monthKeys = [0, 1, 2, 3].map((shard) => keys.statsAffiliateMonth('mer_1', 'live', '2026-03', 'aff_1', shard).sk);
    expect(new Set([...dayKeys, ...monthKeys]).size).toBe(8);
  });

  it('gives the rebuild every counter item, and no other item of the merchant-mode partition', () => {
    const counters = keys.statsCounters('mer_1', 'live');
    const stats = [
      keys.statsDay('mer_1', 'live', '2026-03-01', 1),
      keys.statsAffiliateDay('mer_1', 'live', '2026-03-01', 'aff_1', 3),
      keys.statsAffiliateMonth('mer_1', 'live', '2026-03', 'aff_1', 2),
    ];
    const others = [
      keys.payout('mer_1', 'live', 'po_1'),
      keys.visitor('mer_1', 'live', 'vis_1'),
      keys.customerLead('mer_1', 'live', 'cus_1'),
      keys.attribution('mer_1', 'live', 'cus_1'),
      keys.statsDay('mer_1', 'test', '2026-03-01', 1),
    ];
    expect(stats.every((key) => within(counters, key))).toBe(true);
    expect(others.some((key) => within(counters, key))).toBe(false);
  });
});
