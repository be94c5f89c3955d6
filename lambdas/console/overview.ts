import * as Stats from '../stats/stats';
import type { WebRoute } from '../web/app';
import { assetUrl } from '../web/assets';
import { formatAmounts, formatCount, modeName } from '../web/format';
import { periodFromQuery } from '../web/period';
import { html } from '../web/html';
import { consolePage, field, figure, table } from '../web/layout';

/**
 * Overview: the article's figures for a period (sales, commissions, refunds, cancellations,
 * visits, leads, new affiliates), the daily series as a chart (uPlot), and the top affiliates.
 */


export const overviewRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: '/',
    handle: async (request) => {
      const { session, mode, query } = request;
      const { period, errors, valid } = periodFromQuery(query, new Date());
      const stats = await Stats.forPeriod(session.merchantId, mode, period);
      // The chart plots counts; amounts are per currency and stay in the figures and the table.
      const series = {
        days: stats.daily.map((day) => Date.parse(`${day.date}T00:00:00.000Z`) / 1000),
        labels: ['Sales', 'Visits', 'Leads'],
        values: [stats.daily.map((day) => day.sales.count), stats.daily.map((day) => day.visits), stats.daily.map((day) => day.leads)],
      };
      return consolePage({
        session,
        mode,
        title: 'Overview',
        section: 'Overview',
        path: '/',
        scripts: [assetUrl('uplot.js')],
        styles: [assetUrl('uplot.css')],
        body: html`
          <form method="get" action="/console/" class="grid" aria-label="Period">
            <input type="hidden" name="mode" value=${mode} />
            <div>${field({ label: 'From', name: 'from', type: 'date', value: valid ? period.from : query.from, error: errors.from })}</div>
            <div>${field({ label: 'To', name: 'to', type: 'date', value: valid ? period.to : query.to, error: errors.to })}</div>
            <div class="period-submit"><button type="submit">Show this period</button></div>
          </form>
          <p class="muted">${modeName(mode)} mode, ${stats.from} to ${stats.to} (UTC days).</p>
          <section class="figures" aria-label="Figures">
            ${figure('Sales', `${formatCount(stats.sales.count)} · ${formatAmounts(stats.sales.amounts)}`)}
            ${figure('Commissions', formatAmounts(stats.commissions.amounts))}
            ${figure('Refunds', `${formatCount(stats.refunds.count)} · ${formatAmounts(stats.refunds.amounts)}`)}
            ${figure('Cancellations', formatCount(stats.cancellations))}
            ${figure('Visits', formatCount(stats.visits))}
            ${figure('Leads', formatCount(stats.leads))}
            ${figure('New affiliates', formatCount(stats.newAffiliates))}
          </section>
          <h2>Day by day</h2>
          <div id="daily-chart" class="chart" role="img" aria-label="Daily sales, visits and leads" data-series=${JSON.stringify(series)}></div>
          <h2>Top affiliates</h2>
          ${table(
            ['Affiliate', 'Sales', 'Commissions', 'Visits', 'Leads'],
            stats.topAffiliates.map((top) => [
              html`<a href=${`/console/affiliates/${top.affiliateId}?mode=${mode}`}>${top.name ?? top.referralCode ?? top.affiliateId}</a>`,
              `${formatCount(top.sales.count)} · ${formatAmounts(top.sales.amounts)}`,
              formatAmounts(top.commissions.amounts),
              formatCount(top.visits),
              formatCount(top.leads),
            ]),
          )}
        `,
      });
    },
  },
];
