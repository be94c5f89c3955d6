import * as Affiliates from '../affiliates/affiliate';
import { discountText, referralLink } from '../web/affiliate-text';
import { ForbiddenError } from '../core/errors';
import { balance } from '../ledger/balance';
import { type CommissionResource, listCommissions } from '../ledger/ledger';
import * as Payouts from '../ledger/payouts';
import { type CommissionStatus, commissionStatuses } from '../ledger/status';
import * as Merchants from '../merchants/merchant';
import { type PortalIdentity, type Session } from '../people';
import * as Stats from '../stats/stats';
import { periodFromQuery } from '../web/period';
import { href, type SignedInRequest, type WebRoute } from '../web/app';
import { formatAmounts, formatCount, formatMoney, modeName } from '../web/format';
import { html, type Markup } from '../web/html';
import { field, figure, pager, portalPage, select, table, time } from '../web/layout';

/**
 * The affiliate portal: an affiliate's referral link, coupon, figures, balance, commissions and
 * payouts. Every read is scoped by the session's merchant and affiliate, never by anything the
 * browser sends, so an affiliate sees only their own records. Customers are never shown: the
 * records read here carry no customer e-mail or name, and the Stripe customer ID is left out too.
 */

type PortalSession = Session & PortalIdentity;

const portalSession = ({ session }: SignedInRequest): PortalSession => {
  if (session.area !== 'portal') throw new ForbiddenError('forbidden', 'This page is for affiliates.');
  return session;
};

const statusLabels: Record<CommissionStatus, string> = {
  pending: 'Pending (in the hold period)',
  approved: 'Approved (payable)',
  held: 'On hold (disputed)',
  reversed: 'Reversed',
  paid: 'Paid',
};



const commissionRows = (commissions: readonly CommissionResource[]): Markup[][] =>
  commissions.map((commission) => [
    time(commission.occurredAt),
    statusLabels[commission.status],
    formatMoney(commission.amount),
    formatMoney(commission.paid),
    commission.status === 'pending' ? time(commission.availableAt, { day: true }) : '—',
    html`<ul class="lines">${commission.lines.map((line) => html`<li>${line.type}: ${formatMoney(line.amount)} — ${line.reason}</li>`)}</ul>`,
  ]);
const commissionHeaders = ['Date', 'Status', 'Amount', 'Paid', 'Payable from', 'Lines'];

const payoutRows = (payouts: readonly Payouts.Payout[]): Markup[][] =>
  payouts.map((payout) => [
    time(payout.createdAt),
    payout.status === 'paid' ? 'Paid' : 'Being paid',
    formatAmounts(payout.totals),
    formatCount(payout.commissionCount),
    formatAmounts(payout.clawbacks),
    time(payout.paidAt),
  ]);
const payoutHeaders = ['Date', 'Status', 'Paid', 'Commissions', 'Owed back, deducted', 'Paid at'];

const previewSize = 10;
const pageSize = 25;

const home: WebRoute = {
  method: 'GET',
  path: '/',
  handle: async (request) => {
    const session = portalSession(request);
    const { merchantId, affiliateId } = session;
    const { mode, query } = request;
    const { period, errors, valid } = periodFromQuery(query, new Date());
    const [merchant, affiliate, figures, owed, commissions, payouts] = await Promise.all([
      Merchants.get(merchantId),
      Affiliates.get(merchantId, affiliateId),
      Stats.forAffiliate(merchantId, mode, affiliateId, period),
      balance(merchantId, mode, affiliateId),
      listCommissions(merchantId, mode, { affiliateId }, { limit: previewSize }),
      Payouts.list(merchantId, mode, { affiliateId }, { limit: previewSize }),
    ]);
    const link = referralLink(merchant.settings.siteUrl, affiliate.referralCode);
    return portalPage({
      session,
      mode,
      title: `Your referrals for ${merchant.name}`,
      path: '/',
      body: html`
        <section aria-labelledby="link-heading">
          <h2 id="link-heading">Your link and coupon</h2>
          ${link
            ? html`<label for="referral-link">Referral link</label>
                <input id="referral-link" type="url" readonly value=${link} />
                <small>Share this link: visits through it are credited to you.</small>`
            : html`<p>Your referral code is <code>${affiliate.referralCode}</code>. ${merchant.name} has not set its site address yet: add
                <code>?ref=${affiliate.referralCode}</code> to any link to its site.</p>`}
          <dl>
            <dt>Referral code</dt>
            <dd><code>${affiliate.referralCode}</code></dd>
            <dt>Coupon code</dt>
            <dd>${affiliate.couponCode ? html`<code>${affiliate.couponCode}</code>` : 'None yet'}</dd>
            <dt>Discount for your customers</dt>
            <dd>${affiliate.couponCode ? discountText(affiliate.discount) : '—'}</dd>
          </dl>
        </section>
        <section aria-labelledby="figures-heading">
          <h2 id="figures-heading">Your figures</h2>
          <form method="get" action="/portal/" class="grid" aria-label="Period">
            <input type="hidden" name="mode" value=${mode} />
            <div>${field({ label: 'From', name: 'from', type: 'date', value: valid ? period.from : query.from, error: errors.from })}</div>
            <div>${field({ label: 'To', name: 'to', type: 'date', value: valid ? period.to : query.to, error: errors.to })}</div>
            <div><label for="show-period">Period</label><button id="show-period" type="submit">Show</button></div>
          </form>
          <p class="muted">${modeName(mode)} mode, ${period.from} to ${period.to} (UTC days).</p>
          <div class="figures">
            ${figure('Visits', formatCount(figures.visits))} ${figure('Leads', formatCount(figures.leads))}
            ${figure('Sales', `${formatCount(figures.sales.count)} · ${formatAmounts(figures.sales.amounts)}`)}
            ${figure('Refunds', `${formatCount(figures.refunds.count)} · ${formatAmounts(figures.refunds.amounts)}`)}
            ${figure('Commissions earned', formatAmounts(figures.commissions.amounts))}
          </div>
        </section>
        <section aria-labelledby="balance-heading">
          <h2 id="balance-heading">Your balance</h2>
          <div class="figures">
            ${figure('Pending', formatAmounts(owed.pending))} ${figure('On hold', formatAmounts(owed.held))}
            ${figure('Approved', formatAmounts(owed.approved))} ${figure('Owed back', formatAmounts(owed.clawbackCarried))}
            ${figure('Next payout', formatAmounts(owed.owed))}
          </div>
          <p class="muted">Pending commissions become payable when the refund window ends; the next payout pays what is approved, less anything owed back.</p>
        </section>
        <section aria-labelledby="commissions-heading">
          <h2 id="commissions-heading">Latest commissions</h2>
          ${table(commissionHeaders, commissionRows(commissions.data))}
          <p><a href=${href(request, '/commissions')}>All commissions, by status</a></p>
        </section>
        <section aria-labelledby="payouts-heading">
          <h2 id="payouts-heading">Latest payouts</h2>
          ${table(payoutHeaders, payoutRows(payouts.data))}
          <p><a href=${href(request, '/payouts')}>All payouts</a></p>
        </section>
      `,
    });
  },
};

const isStatus = (value: string | undefined): value is CommissionStatus => commissionStatuses.includes(value as CommissionStatus);

const commissionsPage: WebRoute = {
  method: 'GET',
  path: '/commissions',
  handle: async (request) => {
    const session = portalSession(request);
    const { mode, query } = request;
    const status = isStatus(query.status) ? query.status : undefined;
    const page = await listCommissions(session.merchantId, mode, { affiliateId: session.affiliateId, ...(status ? { status } : {}) }, { limit: pageSize, ...(query.cursor ? { cursor: query.cursor } : {}) });
    return portalPage({
      session,
      mode,
      title: 'Your commissions',
      path: `/commissions${status ? `?status=${status}` : ''}`,
      body: html`
        <p><a href=${href(request, '/')}>Back to your overview</a></p>
        <form method="get" action="/portal/commissions" aria-label="Filter">
          <input type="hidden" name="mode" value=${mode} />
          ${select({ label: 'Status', name: 'status', value: status ?? '', options: [{ value: '', label: 'Every status' }, ...commissionStatuses.map((value) => ({ value, label: statusLabels[value] }))] })}
          <button type="submit">Show</button>
        </form>
        ${table(commissionHeaders, commissionRows(page.data))}
        ${pager(page.nextCursor ? href(request, '/commissions', { status, cursor: page.nextCursor }) : null)}
      `,
    });
  },
};

const payoutsPage: WebRoute = {
  method: 'GET',
  path: '/payouts',
  handle: async (request) => {
    const session = portalSession(request);
    const { mode, query } = request;
    const page = await Payouts.list(session.merchantId, mode, { affiliateId: session.affiliateId }, { limit: pageSize, ...(query.cursor ? { cursor: query.cursor } : {}) });
    return portalPage({
      session,
      mode,
      title: 'Your payouts',
      path: '/payouts',
      body: html`
        <p><a href=${href(request, '/')}>Back to your overview</a></p>
        ${table(payoutHeaders, payoutRows(page.data))}
        ${pager(page.nextCursor ? href(request, '/payouts', { cursor: page.nextCursor }) : null)}
      `,
    });
  },
};

export const portalHomeRoutes: WebRoute[] = [home, commissionsPage, payoutsPage];
