import * as Affiliates from '../affiliates/affiliate';
import type { Mode } from '../core/mode';
import { batchGet } from '../store/batch';
import { counterShards, keys } from '../store/keys';
import { queryRange } from '../store/query';
import { addFields, type CounterFields, counterFieldsOf } from './fields';
import { type CounterItem, type DailyFigures, dailySeries, type Figures, figuresOf, rankAffiliates, sumBy } from './figures';
import { daysOf, monthsOf, partsOf, type Period } from './period';

export type TopAffiliate = { affiliateId: string; name: string | null; referralCode: string | null } & Omit<Figures, 'newAffiliates'>;

export type Stats = { mode: Mode; from: string; to: string } & Figures & {
  daily: DailyFigures[];
  topAffiliates: TopAffiliate[];
};

/**
 * One affiliate's figures for a period, for their portal: their own counter items read by key (a
 * month item for each whole month, a day item for each loose day, on every shard), so the cost
 * follows the calendar and no other affiliate's counters are read.
 */
export const forAffiliate = async (merchantId: string, mode: Mode, affiliateId: string, period: Period): Promise<Figures> => {
  const parts = partsOf(period);
  const looseDays = parts.days.flatMap(daysOf);
  const months = parts.months ? monthsOf(parts.months) : [];
  const wanted = Array.from({ length: counterShards }, (_, shard) => [
    ...looseDays.map((day) => keys.statsAffiliateDay(merchantId, mode, day, affiliateId, shard)),
    ...months.map((month) => keys.statsAffiliateMonth(merchantId, mode, month, affiliateId, shard)),
  ]).flat();
  const found = await batchGet(wanted);
  const totals = wanted.reduce<CounterFields>((sum, key) => {
    const item = found.get(key);
    return item ? addFields(sum, counterFieldsOf(item)) : sum;
  }, {});
  return figuresOf(totals);
};

/**
 * A merchant's stats for a period of at most 366 days, from the counters alone. The reads are
 * bounded by the calendar, never by the number of sales: a range of day items per counter shard, the
 * affiliates' month items for the whole months, their day items for the loose days at either end
 * (a range per shard each, all in parallel), and the names of the ten top affiliates.
 * Items that share labels (shards of one bucket) are added up.
 */
export const forPeriod = async (merchantId: string, mode: Mode, period: Period): Promise<Stats> => {
  const parts = partsOf(period);
  const affiliateRanges = [
    ...parts.days.flatMap((days) => keys.statsAffiliateDays(merchantId, mode, days.from, days.to)),
    ...(parts.months ? keys.statsAffiliateMonths(merchantId, mode, parts.months.from, parts.months.to) : []),
  ];
  const dayRanges = keys.statsDays(merchantId, mode, period.from, period.to);
  const items = await Promise.all([...dayRanges, ...affiliateRanges].map((range) => queryRange<CounterItem>(range)));
  const dayItems = items.slice(0, dayRanges.length).flat();
  const affiliateItems = items.slice(dayRanges.length);

  const byDay = sumBy(dayItems, (item) => item.period);
  const totals = [...byDay.values()].reduce<CounterFields>((sum, fields) => addFields(sum, fields), {});
  const top = rankAffiliates(sumBy(affiliateItems.flat(), (item) => item.affiliateId));
  const profiles = new Map((await Affiliates.getMany(merchantId, top.map(({ affiliateId }) => affiliateId))).map((a) => [a.id, a]));

  return {
    mode,
    ...period,
    ...figuresOf(totals),
    daily: dailySeries(period, byDay),
    topAffiliates: top.map(({ affiliateId, fields }) => {
      const { newAffiliates: _notPerAffiliate, ...figures } = figuresOf(fields);
      const profile = profiles.get(affiliateId);
      return { affiliateId, name: profile?.name ?? null, referralCode: profile?.referralCode ?? null, ...figures };
    }),
  };
};
