import { type StatsDelta, tally } from '../../../lambdas/stats/counters';
import { confirmed, differencesBetween, type RebuildReport } from '../../../lambdas/stats/rebuild';

const sale = (at: string, amount: number, affiliateId: string | null = null): StatsDelta => ({
  merchantId: 'mer_1',
  mode: 'live',
  at,
  affiliateId,
  sales: { count: 1, amount: { amount, currency: 'usd' } },
});

describe('the stats rebuild', () => {
  it('lists each counter that differs from the ledger, with both values, in time order', () => {
    const stored = tally([sale('2026-03-02T10:00:00Z', 100), sale('2026-03-01T10:00:00Z', 500)]);
    const recomputed = tally([sale('2026-03-02T10:00:00Z', 100), sale('2026-03-02T11:00:00Z', 50), sale('2026-03-01T10:00:00Z', 500)]);
    expect(differencesBetween(stored, recomputed)).toEqual([
      { bucket: expect.objectContaining({ kind: 'day', period: '2026-03-02' }), field: 'salesAmount_usd', stored: 100, recomputed: 150 },
      { bucket: expect.objectContaining({ kind: 'day', period: '2026-03-02' }), field: 'salesCount', stored: 1, recomputed: 2 },
    ]);
  });

  it('finds a counter the ledger knows nothing of, and an affiliate credited wrongly', () => {
    const stored = tally([sale('2026-03-02T10:00:00Z', 100, 'aff_wrong')]);
    const recomputed = tally([sale('2026-03-02T10:00:00Z', 100, 'aff_right')]);
    const found = differencesBetween(stored, recomputed).map(({ bucket, field, stored: was, recomputed: now }) => `${bucket.kind} ${bucket.affiliateId} ${field} ${was}→${now}`);
    expect(found).toEqual(
      expect.arrayContaining(['affiliateDay aff_wrong salesCount 1→0', 'affiliateDay aff_right salesCount 0→1', 'affiliateMonth aff_right salesAmount_usd 0→100']),
    );
    expect(found.some((line) => line.startsWith('day '))).toBe(false);
  });

  it('corrects only what two checks in a row found', () => {
    const report = (differences: RebuildReport['differences']): RebuildReport => ({ merchantId: 'mer_1', mode: 'live', books: 1, affiliates: 0, differences });
    const bucket = { kind: 'day' as const, merchantId: 'mer_1', mode: 'live' as const, period: '2026-03-02' };
    const lasting = { bucket, field: 'salesCount', stored: 1, recomputed: 2 };
    const inFlight = { bucket, field: 'refundsCount', stored: 0, recomputed: 1 };
    const first = report([lasting, inFlight]);
    const second = report([{ ...lasting, stored: 3, recomputed: 4 }]);
    expect(confirmed(first, second).differences).toEqual([{ ...lasting, stored: 3, recomputed: 4 }]);
  });
});
