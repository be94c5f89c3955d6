import * as Connect from '../connect/connection';
import { config } from '../core/config';
import { ConflictError, UpstreamError } from '../core/errors';
import { type Mode, modes } from '../core/mode';
import * as Jobs from '../coupon-sync/job';
import { startResync } from '../coupon-sync/requests';
import type { HttpResult } from '../http/response';
import * as Merchants from '../merchants/merchant';
import { href, pageHeaders, type SignedInRequest, seeOther, type WebRoute } from '../web/app';
import { formatCount, modeName } from '../web/format';
import { html, renderDocument } from '../web/html';
import { checkbox, consolePage, postForm, time } from '../web/layout';
import { canChange, flashOf, viewerNote } from './forms';

/**
 * Stripe: each mode's connection (connect and disconnect through Stripe's OAuth, which returns
 * here when the merchant has no dashboard of their own), the article's "Automatically Sync
 * Affiliate Coupons" with Save, and a bulk coupon re-sync with the latest job's progress.
 */


/** What the OAuth callback reports (`stripe=error&reason=…`, handlers/http/oauth-callback.ts); any other reason reads as the last. */
const reasons: Record<string, string> = {
  denied: 'you declined the connection in Stripe.',
  invalid_grant: 'the authorization expired or was already used; connect again.',
  conflict: 'this Stripe account is connected to another Tally merchant.',
  mode_mismatch: 'Stripe answered for the other mode; connect again from the right mode.',
  missing_code: 'Stripe sent no authorization; connect again.',
  stripe_error: 'Stripe reported an error; connect again in a moment.',
};

const flashes = {
  disconnected: 'The Stripe account is disconnected: its events are ignored from now on.',
  saved: 'Saved.',
  'saved-resync': 'Saved. Coupons are syncing to Stripe now: the progress shows below.',
  resync: 'The bulk re-sync started: the progress shows below.',
};

type Flash = { kind: 'ok' | 'error'; text: string };

const oauthOutcome = (request: SignedInRequest): Flash | undefined => {
  const { query, mode } = request;
  if (query.stripe === 'connected') return { kind: 'ok', text: `Your ${mode} Stripe account is connected to Tally.` };
  if (query.stripe === 'error') return { kind: 'error', text: `The ${mode} Stripe account was not connected: ${reasons[query.reason ?? ''] ?? reasons.stripe_error}` };
  return undefined;
};

/**
 * The page's forms lead to Stripe: the Connect form's answer redirects to Tally's start page and
 * on to Stripe's OAuth page, and browsers check a form's every redirect against `form-action`.
 */
const formTargets = (): string[] => {
  const { TALLY_PUBLIC_URL, STRIPE_API_BASE } = config();
  return [...new Set([TALLY_PUBLIC_URL, STRIPE_API_BASE ?? 'https://connect.stripe.com'].flatMap((url) => (url ? [new URL(url).origin] : [])))];
};

const stripePageHeaders = () => ({
  ...pageHeaders,
  'content-security-policy': pageHeaders['content-security-policy'].replace("form-action 'self'", `form-action 'self' ${formTargets().join(' ')}`),
});

const connectionSection = (request: SignedInRequest, merchant: Merchants.Merchant, mode: Mode) => {
  const connection = merchant.stripe[mode];
  const connected = connection?.status === 'connected';
  const modeField = html`<input type="hidden" name="mode" value=${mode} />`;
  const status = connected
    ? html`<p><strong>Connected</strong>: account <code>${connection.accountId}</code> since ${time(connection.connectedAt)}.</p>`
    : connection
      ? html`<p><strong>Not connected</strong>: account <code>${connection.accountId}</code> was disconnected ${time(connection.disconnectedAt)}.</p>`
      : html`<p><strong>Not connected</strong>.</p>`;
  const actions = !canChange(request.session)
    ? null
    : connected
      ? html`
          ${postForm({ action: '/console/stripe/disconnect', csrfToken: request.session.csrfToken, body: modeField, submit: `Disconnect from Stripe (${mode})`, secondary: true, inline: true, label: `Disconnect ${mode} mode` })}
          ${postForm({ action: '/console/stripe/resync', csrfToken: request.session.csrfToken, body: modeField, submit: `Re-sync every coupon (${mode})`, inline: true, label: `Bulk re-sync ${mode} mode` })}
        `
      : postForm({ action: '/console/stripe/connect', csrfToken: request.session.csrfToken, body: modeField, submit: `Connect my Stripe account (${mode})`, label: `Connect ${mode} mode` });
  return html`
    <section aria-labelledby=${`stripe-${mode}`}>
      <h2 id=${`stripe-${mode}`}>${modeName(mode)} mode</h2>
      ${status} ${actions}
    </section>
  `;
};

const counted = (job: Jobs.CouponResyncJob) => job.synced + job.unchanged + job.failed + job.conflicts + job.notApplicable;

const jobSection = (job: Jobs.CouponResyncJob | undefined) => {
  if (!job) return html`<p>No coupon re-sync has run yet.</p>`;
  const done = counted(job);
  return html`
    <p>
      ${job.status === 'completed' ? 'Finished' : 'Running'}: ${job.modes.join(' and ')} mode, started ${time(job.startedAt)}${job.finishedAt ? html`, finished ${time(job.finishedAt)}` : null}.
    </p>
    <label for="resync-progress">Affiliates done: ${formatCount(done)} of ${formatCount(job.total)}</label>
    <progress id="resync-progress" value=${done} max=${Math.max(job.total, 1)}></progress>
    <ul>
      <li>Synced: ${formatCount(job.synced)}</li>
      <li>Already right: ${formatCount(job.unchanged)}</li>
      <li>No coupon code: ${formatCount(job.notApplicable)}</li>
      <li>Code taken in Stripe: ${formatCount(job.conflicts)}</li>
      <li>Failed: ${formatCount(job.failed)}</li>
    </ul>
  `;
};

const stripePage = async (request: SignedInRequest, problem?: { status: number; message: string }): Promise<HttpResult> => {
  const { session, mode } = request;
  const [merchant, job] = await Promise.all([Merchants.get(session.merchantId), Jobs.latest(session.merchantId)]);
  const flash: Flash | undefined = problem ? { kind: 'error', text: problem.message } : (oauthOutcome(request) ?? flashOf(request.query, flashes));
  const page = consolePage({
    session,
    mode,
    title: 'Stripe',
    section: 'Stripe',
    path: '/stripe',
    flash,
    body: html`
      ${canChange(session) ? null : viewerNote}
      ${modes.map((candidate) => connectionSection(request, merchant, candidate))}
      <h2>Coupons</h2>
      ${canChange(session)
        ? postForm({
            action: '/console/stripe/settings',
            csrfToken: session.csrfToken,
            label: 'Coupon settings',
            submit: 'Save',
            body: html`
              <input type="hidden" name="mode" value=${mode} />
              ${checkbox({
                label: 'Automatically Sync Affiliate Coupons',
                name: 'autoSyncCoupons',
                checked: merchant.settings.autoSyncCoupons,
                hint: "Keeps each affiliate's coupon code as a promotion code in every connected Stripe account. Turning it on syncs every affiliate now.",
              })}
            `,
          })
        : html`<p>Automatically Sync Affiliate Coupons: <strong>${merchant.settings.autoSyncCoupons ? 'on' : 'off'}</strong>.</p>`}
      <h2>Latest coupon re-sync</h2>
      ${jobSection(job)}
    `,
  });
  return { statusCode: problem?.status ?? 200, headers: stripePageHeaders(), body: renderDocument(page) };
};

/** An action Stripe or the connection's state can refuse: the page again, saying why. */
const orSayWhy = async (request: SignedInRequest, action: () => Promise<HttpResult>): Promise<HttpResult> => {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ConflictError || error instanceof UpstreamError) return stripePage(request, { status: error.status, message: error.message });
    throw error;
  }
};

export const stripeRoutes: WebRoute[] = [
  { method: 'GET', path: '/stripe', handle: (request) => stripePage(request) },
  {
    method: 'POST',
    path: '/stripe/connect',
    // Tally's start page binds the flow to this browser and sends it on to Stripe's OAuth page.
    handle: async (request) => seeOther((await Connect.authorizeUrl(request.session.merchantId, request.mode)).url),
  },
  {
    method: 'POST',
    path: '/stripe/disconnect',
    handle: (request) =>
      orSayWhy(request, async () => {
        await Connect.disconnect(request.session.merchantId, request.mode);
        return seeOther(href(request, '/stripe', { flash: 'disconnected' }));
      }),
  },
  {
    method: 'POST',
    path: '/stripe/settings',
    handle: async (request) => {
      const update = await Merchants.updateSettings(request.session.merchantId, { autoSyncCoupons: request.form.autoSyncCoupons === 'on' });
      return seeOther(href(request, '/stripe', { flash: update.resyncJob ? 'saved-resync' : 'saved' }));
    },
  },
  {
    method: 'POST',
    path: '/stripe/resync',
    handle: (request) =>
      orSayWhy(request, async () => {
        await startResync(request.session.merchantId, request.mode);
        return seeOther(href(request, '/stripe', { flash: 'resync' }));
      }),
  },
];
