import fc from 'fast-check';
import { addMonths, allocate, applyBasisPoints, proportion } from '../../../lambdas/ledger/arithmetic';

describe('ledger arithmetic', () => {
  it.each([
    [999, 1250, 125], // 124.875 rounds up
    [1000, 1250, 125],
    [4, 1250, 1], // 0.5 rounds half up
    [3, 1250, 0], // 0.375 rounds down
    [500, 2000, 100], // zero-decimal currencies are the same integers: 20 % of ¥500
    [0, 5000, 0],
  ])('takes %i × %i bps, rounded half up, as %i', (amount, bps, expected) => {
    expect(applyBasisPoints(amount, bps)).toBe(expected);
  });

  it('stays exact past 2^53 intermediate products', () => {
    expect(applyBasisPoints(9_000_000_000_000, 9_999)).toBe(8_999_100_000_000);
  });

  it('rounds a proportion half up and keeps its sign', () => {
    expect(proportion(1000, 1, 3)).toBe(333);
    expect(proportion(1000, 1, 8)).toBe(125);
    expect(proportion(5, 1, 2)).toBe(3);
    expect(proportion(-5, 1, 2)).toBe(-3);
  });

  it('allocates a total over weights exactly, whatever the weights', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.array(fc.nat(10_000), { minLength: 1, maxLength: 12 }), (total, weights) => {
        const shares = allocate(total, weights);
        const sum = weights.reduce((acc, weight) => acc + weight, 0);
        expect(shares.reduce((acc, share) => acc + share, 0)).toBe(sum === 0 ? 0 : total);
        shares.forEach((share) => expect(share).toBeGreaterThanOrEqual(0));
      }),
    );
  });

  it('adds months on the calendar, keeping the day or taking the month end', () => {
    expect(addMonths(new Date('2026-01-31T10:00:00Z'), 1).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(addMonths(new Date('2026-01-15T10:00:00Z'), 12).toISOString()).toBe('2027-01-15T10:00:00.000Z');
    expect(addMonths(new Date('2026-11-30T00:00:00Z'), 3).toISOString()).toBe('2027-02-28T00:00:00.000Z');
  });
});
