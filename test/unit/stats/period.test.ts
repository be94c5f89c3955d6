import fc from 'fast-check';
import { ValidationError } from '../../../lambdas/core/errors';
import { addDays, daysOf, isoDay, monthsOf, partsOf, periodOf } from '../../../lambdas/stats/period';

const now = new Date('2026-03-14T18:30:00Z');

describe('a stats period', () => {
  it('is the 30 days that end today (UTC) when none is given', () => {
    expect(periodOf({}, now)).toEqual({ from: '2026-02-13', to: '2026-03-14' });
  });

  it('is the 30 days that end on `to` when only `to` is given', () => {
    expect(periodOf({ to: '2026-01-30' }, now)).toEqual({ from: '2026-01-01', to: '2026-01-30' });
  });

  it('accepts 366 days, both ends included, and refuses 367', () => {
    expect(daysOf(periodOf({ from: '2025-03-14', to: '2026-03-14' }, now))).toHaveLength(366);
    expect(() => periodOf({ from: '2025-03-13', to: '2026-03-14' }, now)).toThrow(ValidationError);
  });

  it('refuses a period that ends before it starts', () => {
    expect(() => periodOf({ from: '2026-03-02', to: '2026-03-01' }, now)).toThrow(/ends before it starts/);
  });

  it.each(['2026-02-30', '2026-13-01', '2026-3-1', '20260301', '2026-03-01T00:00:00Z'])('refuses %s as a day', (day) => {
    expect(isoDay.safeParse(day).success).toBe(false);
  });

  it('accepts a leap day', () => {
    expect(isoDay.safeParse('2028-02-29').success).toBe(true);
  });
});

describe('a period in parts', () => {
  it('reads whole months as months and the loose days at either end as days', () => {
    expect(partsOf({ from: '2025-03-15', to: '2026-03-14' })).toEqual({
      days: [
        { from: '2025-03-15', to: '2025-03-31' },
        { from: '2026-03-01', to: '2026-03-14' },
      ],
      months: { from: '2025-04', to: '2026-02' },
    });
  });

  it('reads a period inside one month, or without a whole month, as days', () => {
    expect(partsOf({ from: '2026-02-02', to: '2026-03-30' })).toEqual({ days: [{ from: '2026-02-02', to: '2026-03-30' }], months: null });
  });

  it('reads a whole February as one month', () => {
    expect(partsOf({ from: '2028-02-01', to: '2028-02-29' })).toEqual({ days: [], months: { from: '2028-02', to: '2028-02' } });
  });

  it('covers every day of any period exactly once, with at most 62 loose days', () => {
    const day = fc.integer({ min: 0, max: 3000 }).map((offset) => addDays('2024-01-01', offset));
    fc.assert(
      fc.property(day, fc.integer({ min: 0, max: 365 }), (from, length) => {
        const period = { from, to: addDays(from, length) };
        const parts = partsOf(period);
        const covered = parts.days.flatMap(daysOf);
        const months = parts.months;
        if (months) for (let d = `${months.from}-01`; d.slice(0, 7) <= months.to; d = addDays(d, 1)) covered.push(d);
        expect(covered.sort()).toEqual(daysOf(period));
        expect(parts.days.flatMap(daysOf).length).toBeLessThanOrEqual(62);
      }),
    );
  });

  it('lists every month of a month range, across a year', () => {
    expect(monthsOf({ from: '2025-11', to: '2026-02' })).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsOf({ from: '2026-03', to: '2026-03' })).toEqual(['2026-03']);
  });
});
