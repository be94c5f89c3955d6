import type { ExtensionContextValue } from '@stripe/ui-extension-sdk/context';
import { Box, ContextView, Divider, Inline, Select } from '@stripe/ui-extension-sdk/ui';
import { useState } from 'react';
import { consoleUrl, useTally } from '../api';
import { Loading, NotConnected } from '../components/Loading';
import { formatAmounts } from '../format';
import type { Stats } from '../tally';

export const periods = [
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
  { days: 90, label: 'Last 90 days' },
  { days: 365, label: 'Last 365 days' },
] as const;

const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** The `days` UTC days ending today, both ends included: Tally's stats periods. */
export const periodEnding = (days: number, now: Date): { from: string; to: string } => ({
  from: isoDay(new Date(now.getTime() - (days - 1) * 86_400_000)),
  to: isoDay(now),
});

const Figure = ({ label, value }: { label: string; value: string }) => (
  <Box css={{ stack: 'y', width: '1/2' }}>
    <Inline css={{ color: 'secondary' }}>{label}</Inline>
    <Inline css={{ font: 'subheading' }}>{value}</Inline>
  </Box>
);

/**
 * `stripe.dashboard.drawer.default`: the program's four figures (sales, commissions, affiliate
 * traffic, new affiliates) for the picked period in the Dashboard's mode, the top affiliates, and
 * the console opened on the same period and mode.
 */
const App = (context: ExtensionContextValue) => {
  const [days, setDays] = useState<number>(30);
  const period = periodEnding(days, new Date());
  const loaded = useTally<Stats>(context, 'stats', period);
  const locale = context.userContext.locale;
  return (
    <ContextView
      title="Affiliates"
      description={context.environment.mode === 'test' ? 'Test mode' : undefined}
      externalLink={{ label: 'Go to Tally dashboard', href: consoleUrl(context, '/console/', period) }}
    >
      <Box css={{ stack: 'y', gap: 'medium' }}>
        <Select label="Period" value={String(days)} onChange={(event) => setDays(Number(event.target.value))}>
          {periods.map((option) => (
            <option key={option.days} value={String(option.days)}>
              {option.label}
            </option>
          ))}
        </Select>
        <Loading loaded={loaded} missing={<NotConnected connectUrl={consoleUrl(context, '/console/stripe')} />}>
          {(stats) => (
            <Box css={{ stack: 'y', gap: 'medium' }}>
              <Box css={{ stack: 'x', gap: 'medium', wrap: 'wrap' }}>
                <Figure label={`Sales (${stats.sales.count})`} value={formatAmounts(stats.sales.amounts, locale)} />
                <Figure label="Commissions" value={formatAmounts(stats.commissions.amounts, locale)} />
                <Figure label="Affiliate traffic" value={`${stats.visits} visits · ${stats.leads} leads`} />
                <Figure label="New affiliates" value={String(stats.newAffiliates)} />
              </Box>
              <Divider />
              <Inline css={{ font: 'heading' }}>Top affiliates</Inline>
              {stats.topAffiliates.length === 0 && <Inline css={{ color: 'secondary' }}>No affiliate activity in this period.</Inline>}
              {stats.topAffiliates.map((affiliate) => (
                <Box key={affiliate.affiliateId} css={{ stack: 'y' }}>
                  <Inline css={{ font: 'bodyEmphasized' }}>{affiliate.name ?? affiliate.referralCode}</Inline>
                  <Inline css={{ color: 'secondary' }}>
                    {affiliate.sales.count} sales · {formatAmounts(affiliate.commissions.amounts, locale)} commissions · {affiliate.visits} visits · {affiliate.leads} leads
                  </Inline>
                </Box>
              ))}
            </Box>
          )}
        </Loading>
      </Box>
    </ContextView>
  );
};

export default App;
