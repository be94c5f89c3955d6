import { addFields, type CounterFields, counterFieldsOf, netAmounts } from '../../../lambdas/stats/fields';
import { dailySeries, figuresOf, rankAffiliates, sumBy } from '../../../lambdas/stats/figures';

describe('stats figures', () => {
  it('reads amounts per currency in alphabetical order, and commissions as earned, reversed and net', () => {
    const figures = figuresOf({
      salesCount: 3,
      salesAmount_usd: 9000,
      salesAmount_eur: 1500,
      commissionsEarned_usd: 900,
      commissionsEarned_eur: 150,
      commissionsReversed_usd: 300,
      commissionsReversed_jpy: 100,
    });
    expect(figures.sales).toEqual({ count: 3, amounts: [{ amount: 1500, currency: 'eur' }, { amount: 9000, currency: 'usd' }] });
    expect(figures.commissions).toEqual({
      earned: [{ amount: 150, currency: 'eur' }, { amount: 900, currency: 'usd' }],
      reversed: [{ amount: 100, currency: 'jpy' }, { amount: 300, currency: 'usd' }],
      amounts: [{ amount: 150, currency: 'eur' }, { amount: -100, currency: 'jpy' }, { amount: 600, currency: 'usd' }],
    });
  });

  it('reads an empty bucket as zeros', () => {
    expect(figuresOf({})).toEqual({
      sales: { count: 0, amounts: [] },
      commissions: { amounts: [], earned: [], reversed: [] },
      refunds: { count: 0, amounts: [] },
      cancellations: 0,
      visits: 0,
      leads: 0,
      newAffiliates: 0,
    });
  });

  it('takes only counters from a stored item, not its keys and labels', () => {
    expect(counterFieldsOf({ pk: 'P', sk: 'S', type: 'statsDay', period: '2026-03-01', visits: 2, salesAmount_usd: 10, other_usd: 5 })).toEqual({
      visits: 2,
      salesAmount_usd: 10,
    });
  });

  it('adds up the shards of a day', () => {
    const byDay = sumBy(
      [
        { period: '2026-03-01', salesCount: 1, salesAmount_usd: 100 },
        { period: '2026-03-01', salesCount: 2, salesAmount_usd: 50 },
        { period: '2026-03-02', visits: 1 },
      ],
      (item) => item.period,
    );
    expect(byDay.get('2026-03-01')).toEqual({ salesCount: 3, salesAmount_usd: 150 });
  });

  it("adds up an affiliate's shards, and an unsharded item written before shards", () => {
    const byAffiliate = sumBy(
      [
        { period: '2026-03', affiliateId: 'aff_1', salesCount: 1, salesAmount_usd: 100 },
        { period: '2026-03', affiliateId: 'aff_1', salesCount: 2, salesAmount_usd: 50 },
        { period: '2026-03-31', affiliateId: 'aff_1', salesCount: 1 },
        { period: '2026-03', affiliateId: 'aff_2', visits: 1 },
      ],
      (item) => item.affiliateId,
    );
    expect(byAffiliate.get('aff_1')).toEqual({ salesCount: 4, salesAmount_usd: 150 });
    expect(byAffiliate.get('aff_2')).toEqual({ visits: 1 });
  });

  it('gives every day of the period, quiet days as zeros', () => {
    const series = dailySeries({ from: '2026-02-27', to: '2026-03-01' }, new Map([['2026-02-28', { visits: 4 }]]));
    expect(series.map(({ date, visits }) => [date, visits])).toEqual([
      ['2026-02-27', 0],
      ['2026-02-28', 4],
      ['2026-03-01', 0],
    ]);
  });

  it('ranks affiliates by sales, then leads, then visits, and keeps the first ten', () => {
    const byAffiliate = new Map<string, CounterFields>([
      ['aff_visits', { visits: 50 }],
      ['aff_two_sales', { salesCount: 2 }],
      ['aff_one_sale_leads', { salesCount: 1, leads: 3 }],
      ['aff_one_sale', { salesCount: 1, leads: 1 }],
      ...Array.from({ length: 10 }, (_, i) => [`aff_quiet_${i}`, { visits: 1 }] as const),
    ]);
    const ranked = rankAffiliates(byAffiliate).map(({ affiliateId }) => affiliateId);
    expect(ranked).toHaveLength(10);
    expect(ranked.slice(0, 5)).toEqual(['aff_two_sales', 'aff_one_sale_leads', 'aff_one_sale', 'aff_visits', 'aff_quiet_0']);
  });
});

describe('exact counter sums', () => {
  const largestAmount = 99_999_999;

  it('adds exactly up to the largest integer a number holds', () => {
    const total = Array.from({ length: 1000 }, () => ({ salesAmount_usd: largestAmount })).reduce<CounterFields>((sum, fields) => addFields(sum, fields), {});
    expect(total).toEqual({ salesAmount_usd: 99_999_999_000 });
    expect(addFields({ salesAmount_usd: Number.MAX_SAFE_INTEGER - largestAmount }, { salesAmount_usd: largestAmount })).toEqual({
      salesAmount_usd: Number.MAX_SAFE_INTEGER,
    });
  });

  it('fails loudly rather than answer a rounded total', () => {
    // As numbers, 2^53 - 1 + 2 rounds to 2^53 + 0: a figure slightly wrong, and nothing said.
    expect(() => addFields({ salesAmount_usd: Number.MAX_SAFE_INTEGER }, { salesAmount_usd: 2 })).toThrow(/salesAmount_usd.*more than a number holds exactly/);
    expect(() => sumBy([{ period: 'd', salesCount: Number.MAX_SAFE_INTEGER }, { period: 'd', salesCount: 1 }], (item) => item.period)).toThrow(
      /salesCount/,
    );
  });

  it('refuses a counter that is not an exact integer', () => {
    expect(() => addFields({}, { visits: 0.5 })).toThrow(/not an exact integer/);
    expect(() => addFields({ visits: 2 ** 60 }, { visits: 1 })).toThrow(/not an exact integer/);
  });

  it('nets commissions exactly, and fails loudly past what a number holds', () => {
    expect(netAmounts([{ amount: Number.MAX_SAFE_INTEGER, currency: 'usd' }], [{ amount: 1, currency: 'usd' }])).toEqual([
      { amount: Number.MAX_SAFE_INTEGER - 1, currency: 'usd' },
    ]);
    expect(() => netAmounts([{ amount: Number.MAX_SAFE_INTEGER, currency: 'usd' }], [{ amount: -1, currency: 'usd' }])).toThrow(/commissions_usd/);
  });
});
