import * as z from 'zod';
import { ValidationError } from '../core/errors';

/** The longest period one stats call answers: a leap year, so "the last year" always fits. */
export const maxPeriodDays = 366;
/** Without `from`, a period is the 30 days that end on `to` (today, UTC, without `to`). */
export const defaultPeriodDays = 30;

const dayMs = 86_400_000;

const toTime = (day: string): number => Date.parse(`${day}T00:00:00.000Z`);
const toDay = (time: number): string => new Date(time).toISOString().slice(0, 10);

/** A calendar day (UTC) as `YYYY-MM-DD`; `2026-02-30` is refused, not rolled over to March. */
export const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine((day) => !Number.isNaN(toTime(day)) && toDay(toTime(day)) === day, 'not a calendar date');

export const periodInput = z.object({ from: isoDay.optional(), to: isoDay.optional() });
export type PeriodInput = z.infer<typeof periodInput>;

/** Both days included. */
export interface Period {
  from: string;
  to: string;
}

export const addDays = (day: string, days: number): string => toDay(toTime(day) + days * dayMs);

export const daysBetween = (from: string, to: string): number => Math.round((toTime(to) - toTime(from)) / dayMs);

/** Fills the defaults and checks the period: `from` not after `to`, at most 366 days. */
export const periodOf = (input: PeriodInput, now: Date): Period => {
  const to = input.to ?? toDay(now.getTime());
  const from = input.from ?? addDays(to, -(defaultPeriodDays - 1));
  if (from > to) throw new ValidationError('The period ends before it starts.', [{ path: ['from'], message: 'must not be after to' }]);
  if (daysBetween(from, to) + 1 > maxPeriodDays)
    throw new ValidationError(`A period is at most ${maxPeriodDays} days.`, [
      { path: ['from'], message: `at most ${maxPeriodDays} days before to, both included` },
    ]);
  return { from, to };
};

export const daysOf = ({ from, to }: Period): string[] =>
  Array.from({ length: daysBetween(from, to) + 1 }, (_, index) => addDays(from, index));

const monthOf = (day: string) => day.slice(0, 7);
const firstOfMonth = (day: string) => `${monthOf(day)}-01`;
const lastOfMonth = (day: string) => addDays(firstOfMonth(addDays(firstOfMonth(day), 31)), -1);
const addMonths = (month: string, months: number) => {
  const [year, index] = month.split('-').map(Number) as [number, number];
  return toDay(Date.UTC(year, index - 1 + months, 1)).slice(0, 7);
};

/**
 * A period as whole calendar months plus the loose days at either end, so a long period reads a
 * few month buckets instead of every day's (at most ~60 days and 12 months for 366 days).
 */
export interface PeriodParts {
  days: Period[];
  months: { from: string; to: string } | null;
}

/** Every month of a month range (`YYYY-MM`), both included. */
export const monthsOf = ({ from, to }: { from: string; to: string }): string[] => {
  const months: string[] = [];
  for (let month = from; month <= to; month = addMonths(month, 1)) months.push(month);
  return months;
};

export const partsOf = ({ from, to }: Period): PeriodParts => {
  const startsMonth = from === firstOfMonth(from);
  const endsMonth = to === lastOfMonth(to);
  const firstMonth = startsMonth ? monthOf(from) : addMonths(monthOf(from), 1);
  const lastMonth = endsMonth ? monthOf(to) : addMonths(monthOf(to), -1);
  if (firstMonth > lastMonth) return { days: [{ from, to }], months: null };
  const days: Period[] = [];
  if (!startsMonth) days.push({ from, to: lastOfMonth(from) });
  if (!endsMonth) days.push({ from: firstOfMonth(to), to });
  return { days, months: { from: firstMonth, to: lastMonth } };
};
