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

  it('reads every affiliate of the range\'s days and months, and keeps days, months and totals apart', () => {
    const days = keys.statsAffiliateDays('mer_1', 'live', '2026-03-01', '2026-03-31');
    const months = keys.statsAffiliateMonths('mer_1', 'live', '2025-04', '2026-02');
    expect(within(days, keys.statsAffiliateDay('mer_1', 'live', '2026-03-31', 'aff_zzzzzzzz'))).toBe(true);
    expect(within(days, keys.statsAffiliateMonth('mer_1', 'live', '2026-03', 'aff_1'))).toBe(false);
    expect(within(days, keys.statsDay('mer_1', 'live', '2026-03-15', 0))).toBe(false);
    expect(within(months, keys.statsAffiliateMonth('mer_1', 'live', '2026-02', 'aff_zzzzzzzz'))).toBe(true);
    expect(within(months, keys.statsAffiliateMonth('mer_1', 'live', '2026-03', 'aff_1'))).toBe(false);
    expect(within(months, keys.statsAffiliateDay('mer_1', 'live', '2026-02-10', 'aff_1'))).toBe(false);
  });

  it('gives the rebuild every counter item and every book, and no other ledger item', () => {
    const counters = keys.statsCounters('mer_1', 'live');
    const books = keys.ledgerBooks('mer_1', 'live');
    const stats = [keys.statsDay('mer_1', 'live', '2026-03-01', 1), keys.statsAffiliateMonth('mer_1', 'live', '2026-03', 'aff_1')];
    const ledger = [keys.purchase('mer_1', 'live', 'pur_1'), keys.commission('mer_1', 'live', 'com_1'), keys.ledgerReference('mer_1', 'live', 'pi_1')];
    expect(stats.every((key) => within(counters, key))).toBe(true);
    expect([...ledger, keys.ledgerBook('mer_1', 'live', 'cus_1')].some((key) => within(counters, key))).toBe(false);
    expect(within(books, keys.ledgerBook('mer_1', 'live', 'cus_1'))).toBe(true);
    expect(within(books, keys.ledgerBook('mer_1', 'live', 'guest:pi_1'))).toBe(true);
    expect([...ledger, ...stats].some((key) => within(books, key))).toBe(false);
  });
});
