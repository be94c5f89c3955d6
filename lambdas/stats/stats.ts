import * as Affiliates from '../affiliates/affiliate';
import type { Mode } from '../core/mode';
import { keys } from '../store/keys';
import { queryRange } from '../store/query';
import { addFields, type CounterFields } from './fields';
import { type CounterItem, type DailyFigures, dailySeries, type Figures, figuresOf, rankAffiliates, sumBy } from './figures';
import { partsOf, type Period } from './period';

export type TopAffiliate = { affiliateId: string; name: string | null; referralCode: string | null } & Omit<Figures, 'newAffiliates'>;

export type Stats = { mode: Mode; from: string; to: string } & Figures & {
  daily: DailyFigures[];
  topAffiliates: TopAffiliate[];
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
