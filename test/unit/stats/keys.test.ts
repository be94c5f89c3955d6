import { counterShards, type Key, type KeyRange, keys } from '../../../lambdas/store/keys';

/** Whether one of the ranges (one per shard) reads the key. */
const within = (ranges: KeyRange[], key: Key) => ranges.some((range) => key.pk === range.pk && key.sk >= range.skFrom && key.sk <= range.skTo);
const shards = Array.from({ length: counterShards }, (_, shard) => shard);

describe('stats keys', () => {
  it('reads every shard of the first and last day of a range, and nothing past it', () => {
    const range = keys.statsDays('mer_1', 'live', '2026-03-01', '2026-03-31');
    expect(range).toHaveLength(counterShards);
    for (const shard of shards) {
      expect(within(range, keys.statsDay('mer_1', 'live', '2026-03-01', shard))).toBe(true);
      expect(within(range, keys.statsDay('mer_1', 'live', '2026-03-31', shard))).toBe(true);
    }
    expect(within(range, keys.statsDay('mer_1', 'live', '2026-02-28', 3))).toBe(false);
    expect(within(range, keys.statsDay('mer_1', 'live', '2026-04-01', 0))).toBe(false);
    expect(within(range, keys.statsDay('mer_1', 'test', '2026-03-15', 0))).toBe(false);
    expect(within(range, keys.statsDay('mer_2', 'live', '2026-03-15', 0))).toBe(false);
  });

  it('puts each shard in a partition of its own, so no partition takes every counter write', () => {
    const partitions = new Set(shards.map((shard) => keys.statsDay('mer_1', 'live', '2026-03-01', shard).pk));
    expect(partitions.size).toBe(counterShards);
    expect(new Set(shards.map((shard) => keys.statsAffiliateMonth('mer_1', 'live', '2026-03', 'aff_1', shard).pk))).toEqual(partitions);
  });

  it("reads every affiliate and shard of the range's days and months, and keeps days, months and totals apart", () => {
    const days = keys.statsAffiliateDays('mer_1', 'live', '2026-03-01', '2026-03-31');
    const months = keys.statsAffiliateMonths('mer_1', 'live', '2025-04', '2026-02');
    expect(within(days, keys.statsAffiliateDay('mer_1', 'live', '2026-03-01', 'aff_1', 0))).toBe(true);
    expect(within(days, keys.statsAffiliateDay('mer_1', 'live', '2026-03-31', 'aff_zzzzzzzz', counterShards - 1))).toBe(true);
    expect(within(days, keys.statsAffiliateDay('mer_1', 'live', '2026-04-01', 'aff_1', 0))).toBe(false);
    expect(within(days, keys.statsAffiliateMonth('mer_1', 'live', '2026-03', 'aff_1', 0))).toBe(false);
    expect(within(days, keys.statsDay('mer_1', 'live', '2026-03-15', 0))).toBe(false);
    expect(within(months, keys.statsAffiliateMonth('mer_1', 'live', '2026-02', 'aff_zzzzzzzz', counterShards - 1))).toBe(true);
    expect(within(months, keys.statsAffiliateMonth('mer_1', 'live', '2026-03', 'aff_1', 0))).toBe(false);
    expect(within(months, keys.statsAffiliateDay('mer_1', 'live', '2026-02-10', 'aff_1', 0))).toBe(false);
  });

  it('gives the rebuild every counter item of every shard, and no other item', () => {
    const counters = keys.statsCounters('mer_1', 'live');
    const stats = shards.flatMap((shard) => [
      keys.statsDay('mer_1', 'live', '2026-03-01', shard),
      keys.statsAffiliateDay('mer_1', 'live', '2026-03-01', 'aff_1', shard),
      keys.statsAffiliateMonth('mer_1', 'live', '2026-03', 'aff_1', shard),
    ]);
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
