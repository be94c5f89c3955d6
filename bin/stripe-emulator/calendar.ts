/** Billing intervals on the emulator's clock (Unix seconds, UTC), the way Stripe counts them. */
export type Interval = 'day' | 'week' | 'month' | 'year';

const DAY = 86_400;

/**
 * `count` intervals after `anchor`. Months keep the anchor's day where the month has it and use the
 * month's last day where it does not (31 January + 1 month = 28 or 29 February), as Stripe does.
 */
export function addInterval(anchor: number, interval: Interval, count: number): number {
  if (interval === 'day') return anchor + count * DAY;
  if (interval === 'week') return anchor + count * 7 * DAY;
  const date = new Date(anchor * 1000);
  const months = interval === 'year' ? count * 12 : count;
  const target = date.getUTCMonth() + months;
  const year = date.getUTCFullYear() + Math.floor(target / 12);
  const month = ((target % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(date.getUTCDate(), lastDay);
  return Math.floor(Date.UTC(year, month, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()) / 1000);
}

/**
 * The end of the billing period that follows the one ending at `after`, counted from the billing cycle
 * anchor (not from `after`, so a short month does not move every later period).
 */
export function nextPeriodEnd(anchor: number, interval: Interval, intervalCount: number, after: number): number {
  for (let n = 1; ; n += 1) {
    const end = addInterval(anchor, interval, intervalCount * n);
    if (end > after) return end;
  }
}
