import * as Affiliates from '../affiliates/affiliate';
import { modeName } from '../web/format';
import type { Affiliate, CouponSyncStatus } from '../affiliates/affiliate';
import { discountText, referralLink } from '../web/affiliate-text';
import { createAffiliateInput, type CreateAffiliateInput, type Discount, updateAffiliateInput, type UpdateAffiliateInput } from '../affiliates/schema';
import { ConflictError } from '../core/errors';
import { type Mode, modes } from '../core/mode';
import { connectedAccount } from '../coupon-sync/accounts';
import { resyncAffiliate } from '../coupon-sync/requests';
import * as Merchants from '../merchants/merchant';
import { inviteAffiliate } from '../people';
import * as Plans from '../plans/plan';
import type { CommissionPlan } from '../plans/plan';
import { type Form, href, type SignedInRequest, seeOther, type WebRoute } from '../web/app';
import { html, type Markup } from '../web/html';
import { consolePage, field, pager, postForm, select, table, time } from '../web/layout';
import {
  amountToMinor,
  canChange,
  decimalNumber,
  errorFor,
  type FieldErrors,
  flashOf,
  formFailure,
  formProblem,
  type Issues,
  minorToAmount,
  need,
  text,
  validated,
  viewerNote,
  wholeNumber,
  withStatus,
} from './forms';
import { planOptions } from './plans';

/**
 * Affiliates: the list (by status, searched, in pages), a new affiliate, and an affiliate's page:
 * its referral link, coupon code and discount, plan, the coupon's sync in each Stripe mode with a
 * re-sync (the article's "re-sync > stripe_connect > re-sync"), editing, archiving and an
 * invitation to the affiliate portal.
 */

// ── Form ↔ input ─────────────────────────────────────────────────────────────────────────────

/**
 * The discount of the form, in Stripe's terms; `null` for none, `undefined` when a field of it is
 * already refused (the schema would only repeat that as "give either percentOff or amountOff").
 * Amounts are entered in the currency's units.
 */
const discountOf = (form: Form, issues: Issues): Discount | null | undefined => {
  const kind = form['discount.kind'];
  if (kind !== 'percent' && kind !== 'amount') return null;
  const before = issues.length;
  const discount = discountFields(form, kind, issues);
  return issues.length > before ? undefined : discount;
};

const discountFields = (form: Form, kind: 'percent' | 'amount', issues: Issues): Discount => {
  const duration = (text(form, 'discount.duration') ?? 'once') as Discount['duration'];
  const durationInMonths = duration === 'repeating' ? need(wholeNumber(form, 'discount.durationInMonths', issues), 'discount.durationInMonths', issues) : undefined;
  if (kind === 'percent') return { percentOff: need(decimalNumber(form, 'discount.percentOff', issues), 'discount.percentOff', issues), duration, durationInMonths };
  const currency = need(text(form, 'discount.currency'), 'discount.currency', issues);
  return { amountOff: need(amountToMinor(form, 'discount.amountOff', currency, issues), 'discount.amountOff', issues), currency, duration, durationInMonths };
};

/** Codes taken by another affiliate are shown beside their field. */
const conflictFields = { 'affiliate.referral_code_taken': 'referralCode', 'affiliate.coupon_code_taken': 'couponCode', 'affiliate.email_taken': 'email' };

/** `POST /affiliates`: empty fields are left out (a referral code is then generated). */
export const createAffiliateFromForm = (form: Form): CreateAffiliateInput => {
  const issues: Issues = [];
  const input = {
    email: text(form, 'email'),
    name: text(form, 'name'),
    referralCode: text(form, 'referralCode'),
    couponCode: text(form, 'couponCode'),
    discount: discountOf(form, issues) ?? undefined,
    commissionPlanId: text(form, 'commissionPlanId'),
  };
  return validated(createAffiliateInput, input, issues);
};

/** `POST /affiliates/:id`: the whole form is the affiliate; an emptied field removes it (the referral code stays). */
export const updateAffiliateFromForm = (form: Form): UpdateAffiliateInput => {
  const issues: Issues = [];
  const input = {
    email: need(text(form, 'email'), 'email', issues),
    name: text(form, 'name') ?? null,
    referralCode: text(form, 'referralCode'),
    couponCode: text(form, 'couponCode') ?? null,
    discount: discountOf(form, issues),
    commissionPlanId: text(form, 'commissionPlanId') ?? null,
  };
  return validated(updateAffiliateInput, input, issues);
};

export const affiliateToForm = (affiliate: Affiliate): Form => {
  const { discount } = affiliate;
  return {
    email: affiliate.email,
    name: affiliate.name ?? '',
    referralCode: affiliate.referralCode,
    couponCode: affiliate.couponCode ?? '',
    commissionPlanId: affiliate.commissionPlanId ?? '',
    'discount.kind': !discount ? 'none' : discount.percentOff !== undefined ? 'percent' : 'amount',
    'discount.percentOff': discount?.percentOff !== undefined ? String(discount.percentOff) : '',
    'discount.amountOff': discount?.amountOff !== undefined && discount.currency ? minorToAmount(discount.amountOff, discount.currency) : '',
    'discount.currency': discount?.currency?.toUpperCase() ?? '',
    'discount.duration': discount?.duration ?? 'once',
    'discount.durationInMonths': discount?.durationInMonths !== undefined ? String(discount.durationInMonths) : '',
  };
};

// ── What a page says ─────────────────────────────────────────────────────────────────────────

export { discountText, referralLink };

const syncStatusText: Record<CouponSyncStatus, string> = {
  pending: 'Waiting to sync',
  synced: 'Synced',
  failed: 'Failed',
  conflict: 'Code taken in Stripe',
  not_applicable: 'Nothing to sync (no coupon code)',
};


const planName = (plans: readonly CommissionPlan[], planId: string | null): string => {
  if (planId) return plans.find((plan) => plan.id === planId)?.name ?? planId;
  const fallback = plans.find((plan) => plan.isDefault);
  return fallback ? `The default plan (${fallback.name})` : 'The default plan (none set)';
};

const allPlans = async (merchantId: string) => (await Plans.list(merchantId, { limit: 100 })).data;

// ── Forms ────────────────────────────────────────────────────────────────────────────────────

const affiliateFields = (values: Form, errors: FieldErrors, plans: readonly CommissionPlan[], editing: boolean): Markup => html`
  ${formProblem(errors)}
  ${field({ label: 'Name', name: 'name', value: values.name, error: errorFor(errors, 'name'), attributes: { autocomplete: 'off' } })}
  ${field({ label: 'E-mail address', name: 'email', type: 'email', value: values.email, required: true, error: errorFor(errors, 'email'), attributes: { autocomplete: 'off' } })}
  ${field({ label: 'Referral code', name: 'referralCode', value: values.referralCode, hint: editing ? 'Used in the referral link (?ref=).' : 'Used in the referral link (?ref=). Left empty, one is made up.', error: errorFor(errors, 'referralCode') })}
  ${field({ label: 'Coupon code', name: 'couponCode', value: values.couponCode, hint: 'The code customers enter at checkout; it becomes a promotion code in Stripe.', error: errorFor(errors, 'couponCode') })}
  <fieldset>
    <legend>Discount the coupon code gives</legend>
    ${select({
      label: 'Kind of discount',
      name: 'discount.kind',
      value: values['discount.kind'] ?? 'none',
      error: errors.discount,
      options: [
        { value: 'none', label: 'No discount' },
        { value: 'percent', label: 'A percentage off' },
        { value: 'amount', label: 'An amount off' },
      ],
    })}
    ${field({ label: 'Percent off', name: 'discount.percentOff', value: values['discount.percentOff'], hint: 'For a percentage: 15 means 15 % off.', error: errorFor(errors, 'discount.percentOff'), attributes: { inputmode: 'decimal' } })}
    <div class="grid">
      <div>${field({ label: 'Amount off', name: 'discount.amountOff', value: values['discount.amountOff'], hint: 'For an amount, in the currency’s units: 5.00', error: errorFor(errors, 'discount.amountOff'), attributes: { inputmode: 'decimal' } })}</div>
      <div>${field({ label: 'Currency', name: 'discount.currency', value: values['discount.currency'], hint: 'For an amount: USD, EUR…', error: errorFor(errors, 'discount.currency'), attributes: { maxlength: 3 } })}</div>
    </div>
    <div class="grid">
      <div>
        ${select({
          label: 'Duration',
          name: 'discount.duration',
          value: values['discount.duration'] ?? 'once',
          error: errors['discount.duration'],
          options: [
            { value: 'once', label: 'The first payment' },
            { value: 'forever', label: 'Every payment' },
            { value: 'repeating', label: 'Some months' },
          ],
        })}
      </div>
      <div>${field({ label: 'Months', name: 'discount.durationInMonths', value: values['discount.durationInMonths'], hint: 'For “some months”.', error: errorFor(errors, 'discount.durationInMonths'), attributes: { inputmode: 'numeric' } })}</div>
    </div>
  </fieldset>
  ${select({
    label: 'Commission plan',
    name: 'commissionPlanId',
    value: values.commissionPlanId ?? '',
    error: errorFor(errors, 'commissionPlanId'),
    options: planOptions(plans, values.commissionPlanId, planName(plans, null)),
  })}
`;

const newAffiliatePage = (request: SignedInRequest, plans: readonly CommissionPlan[], values: Form = {}, errors: FieldErrors = {}) =>
  consolePage({
    session: request.session,
    mode: request.mode,
    title: 'New affiliate',
    section: 'Affiliates',
    path: '/affiliates/new',
    body: html`
      ${postForm({ action: href(request, '/affiliates'), csrfToken: request.session.csrfToken, submit: 'Create affiliate', label: 'New affiliate', body: affiliateFields(values, errors, plans, false) })}
      <p><a href=${href(request, '/affiliates')}>Back to affiliates</a></p>
    `,
  });

// ── The affiliate's page ─────────────────────────────────────────────────────────────────────

const flashes = {
  created: 'The affiliate is created.',
  saved: 'The affiliate is saved.',
  resynced: 'A coupon sync is queued; the status below changes once it has run (reload to see it).',
  archived: 'The affiliate is archived: its links and codes no longer earn, and its codes stay reserved.',
  restored: 'The affiliate is active again.',
  invited: 'An invitation to the affiliate portal is on its way.',
};

interface AffiliatePageData {
  affiliate: Affiliate;
  merchant: Merchants.Merchant;
  plans: CommissionPlan[];
}

const loadAffiliatePage = async (merchantId: string, affiliateId: string): Promise<AffiliatePageData> => {
  const [affiliate, merchant, plans] = await Promise.all([Affiliates.get(merchantId, affiliateId), Merchants.get(merchantId), allPlans(merchantId)]);
  return { affiliate, merchant, plans };
};

interface PageState {
  values?: Form;
  errors?: FieldErrors;
  /** What went wrong with one of the page's buttons (a re-sync without a connection). */
  problem?: string;
}

const affiliatePage = (request: SignedInRequest, { affiliate, merchant, plans }: AffiliatePageData, state: PageState = {}) => {
  const { session, mode } = request;
  const action = (path: string) => href(request, `/affiliates/${affiliate.id}${path}`);
  const link = referralLink(merchant.settings.siteUrl, affiliate.referralCode);
  const changes = canChange(session);
  const button = (path: string, submit: string, label: string, secondary = false) =>
    postForm({ action: action(path), csrfToken: session.csrfToken, submit, label, inline: true, secondary, body: html`<input type="hidden" name="mode" value=${mode} />` });
  return consolePage({
    session,
    mode,
    title: affiliate.name ?? affiliate.email,
    section: 'Affiliates',
    path: `/affiliates/${affiliate.id}`,
    flash: state.problem ? { kind: 'error', text: state.problem } : flashOf(request.query, flashes),
    body: html`
      ${affiliate.status === 'archived' ? html`<p class="flash error" role="status">Archived ${time(affiliate.archivedAt)}.</p>` : null}
      <dl>
        <dt>Referral link</dt>
        <dd>
          ${link
            ? html`<code>${link}</code>`
            : html`No site URL is set, so there is no link yet: the referral code is <code>${affiliate.referralCode}</code>. <a href=${href(request, '/settings')}>Set the site URL in Settings</a>.`}
        </dd>
        <dt>Referral code</dt>
        <dd><code>${affiliate.referralCode}</code></dd>
        <dt>Coupon code</dt>
        <dd>${affiliate.couponCode ? html`<code>${affiliate.couponCode}</code>` : 'None'}</dd>
        <dt>Discount</dt>
        <dd>${discountText(affiliate.discount)}</dd>
        <dt>Commission plan</dt>
        <dd>${affiliate.commissionPlanId ? html`<a href=${href(request, `/plans/${affiliate.commissionPlanId}`)}>${planName(plans, affiliate.commissionPlanId)}</a>` : planName(plans, null)}</dd>
        <dt>E-mail</dt>
        <dd>${affiliate.email || '—'}</dd>
        <dt>Since</dt>
        <dd>${time(affiliate.createdAt)}</dd>
      </dl>

      <h2>Coupon sync with Stripe</h2>
      ${table(
        ['Mode', 'Status', 'Last synced', 'Problem'],
        modes.map((candidate) => {
          const sync = affiliate.couponSync[candidate];
          return [
            `${modeName(candidate)}${connectedAccount(merchant, candidate) ? '' : ' (Stripe not connected)'}`,
            html`<span data-sync-status=${candidate}>${syncStatusText[sync.status]}</span>`,
            time(sync.lastSyncedAt),
            sync.error ?? '—',
          ];
        }),
      )}
      ${!changes
        ? null
        : connectedAccount(merchant, mode)
          ? button('/resync', `Re-sync (${modeName(mode).toLowerCase()} mode)`, 'Re-sync the coupon')
          : html`<p class="muted">Connect Stripe in ${mode} mode on the <a href=${href(request, '/stripe')}>Stripe page</a> to sync this coupon there.</p>`}

      <h2>Affiliate portal</h2>
      <p>The portal shows the affiliate their link, coupon, visits, sales, commissions and payouts. An invitation e-mails them a sign-in link.</p>
      ${changes ? button('/invite', 'Invite to portal', 'Invite to the affiliate portal') : null}

      <h2>Edit</h2>
      ${changes
        ? html`
            ${postForm({ action: action(''), csrfToken: session.csrfToken, submit: 'Save affiliate', label: 'Edit affiliate', body: affiliateFields(state.values ?? affiliateToForm(affiliate), state.errors ?? {}, plans, true) })}
            ${affiliate.status === 'active' ? button('/archive', 'Archive', 'Archive the affiliate', true) : button('/restore', 'Restore', 'Restore the affiliate', true)}
          `
        : viewerNote}
      <p><a href=${href(request, '/affiliates')}>Back to affiliates</a></p>
    `,
  });
};

/** A button's action on the affiliate: on to its page with a message, or its page with the refusal (409). */
const affiliateAction =
  (act: (merchantId: string, affiliateId: string, mode: Mode) => Promise<unknown>, flash: keyof typeof flashes) =>
  async (request: SignedInRequest) => {
    const { merchantId } = request.session;
    const affiliateId = request.params.id as string;
    try {
      await act(merchantId, affiliateId, request.mode);
      return seeOther(href(request, `/affiliates/${affiliateId}`, { flash }));
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      return withStatus(affiliatePage(request, await loadAffiliatePage(merchantId, affiliateId), { problem: error.message }), 409);
    }
  };

// ── The list ─────────────────────────────────────────────────────────────────────────────────

const pageSize = 25;
/** The domain lists by status only: a search looks through a larger page of it. */
const searchPageSize = 100;

/** Whether an affiliate's name, e-mail or codes contain the search, in any case. */
export const matchesSearch = (affiliate: Affiliate, search: string): boolean => {
  const needle = search.trim().toLowerCase();
  return [affiliate.name, affiliate.email, affiliate.referralCode, affiliate.couponCode].some((value) => (value ?? '').toLowerCase().includes(needle));
};

const statusFilter = (value: string | undefined): Affiliate['status'] | undefined => (value === 'active' || value === 'archived' ? value : undefined);

const listPage = async (request: SignedInRequest) => {
  const { session, mode, query } = request;
  const search = (query.q ?? '').trim();
  const status = statusFilter(query.status);
  const [page, plans] = await Promise.all([
    Affiliates.list(session.merchantId, { limit: search ? searchPageSize : pageSize, cursor: query.cursor || undefined }, { status }),
    allPlans(session.merchantId),
  ]);
  const shown = search ? page.data.filter((affiliate) => matchesSearch(affiliate, search)) : page.data;
  return consolePage({
    session,
    mode,
    title: 'Affiliates',
    section: 'Affiliates',
    path: '/affiliates',
    body: html`
      ${canChange(session) ? html`<p><a href=${href(request, '/affiliates/new')} role="button">New affiliate</a></p>` : viewerNote}
      <form method="get" action="/console/affiliates" class="grid" aria-label="Find affiliates">
        <input type="hidden" name="mode" value=${mode} />
        <div>${field({ label: 'Search', name: 'q', type: 'search', value: search, placeholder: 'Name, e-mail or code' })}</div>
        <div>
          ${select({
            label: 'Status',
            name: 'status',
            value: status ?? '',
            options: [
              { value: '', label: 'All' },
              { value: 'active', label: 'Active' },
              { value: 'archived', label: 'Archived' },
            ],
          })}
        </div>
        <div class="period-submit"><button type="submit">Show</button></div>
      </form>
      ${search
        ? html`<p class="muted" role="status">${shown.length} of the ${page.data.length} affiliates on this page match “${search}”.${page.nextCursor ? ' The next page searches the next ones.' : ''}</p>`
        : null}
      ${table(
        ['Affiliate', 'E-mail', 'Referral code', 'Coupon code', 'Plan', 'Status', 'Since'],
        shown.map((affiliate) => [
          html`<a href=${href(request, `/affiliates/${affiliate.id}`)}>${affiliate.name ?? affiliate.email}</a>`,
          affiliate.email || '—',
          html`<code>${affiliate.referralCode}</code>`,
          affiliate.couponCode ? html`<code>${affiliate.couponCode}</code>` : '—',
          planName(plans, affiliate.commissionPlanId),
          affiliate.status === 'active' ? 'Active' : 'Archived',
          time(affiliate.createdAt, { day: true }),
        ]),
      )}
      ${pager(page.nextCursor ? href(request, '/affiliates', { q: search, status, cursor: page.nextCursor }) : null)}
    `,
  });
};

export const affiliateRoutes: WebRoute[] = [
  { method: 'GET', path: '/affiliates', handle: listPage },
  { method: 'GET', path: '/affiliates/new', handle: async (request) => newAffiliatePage(request, await allPlans(request.session.merchantId)) },
  {
    method: 'POST',
    path: '/affiliates',
    handle: async (request) => {
      const { merchantId } = request.session;
      try {
        const affiliate = await Affiliates.create(merchantId, createAffiliateFromForm(request.form));
        return seeOther(href(request, `/affiliates/${affiliate.id}`, { flash: 'created' }));
      } catch (error) {
        const { status, errors } = formFailure(error, conflictFields);
        return withStatus(newAffiliatePage(request, await allPlans(merchantId), request.form, errors), status);
      }
    },
  },
  {
    method: 'GET',
    path: '/affiliates/:id',
    handle: async (request) => affiliatePage(request, await loadAffiliatePage(request.session.merchantId, request.params.id as string)),
  },
  {
    method: 'POST',
    path: '/affiliates/:id',
    handle: async (request) => {
      const { merchantId } = request.session;
      const affiliateId = request.params.id as string;
      try {
        await Affiliates.update(merchantId, affiliateId, updateAffiliateFromForm(request.form));
        return seeOther(href(request, `/affiliates/${affiliateId}`, { flash: 'saved' }));
      } catch (error) {
        const { status, errors } = formFailure(error, conflictFields);
        return withStatus(affiliatePage(request, await loadAffiliatePage(merchantId, affiliateId), { values: request.form, errors }), status);
      }
    },
  },
  { method: 'POST', path: '/affiliates/:id/resync', handle: affiliateAction(resyncAffiliate, 'resynced') },
  { method: 'POST', path: '/affiliates/:id/archive', handle: affiliateAction(Affiliates.archive, 'archived') },
  { method: 'POST', path: '/affiliates/:id/restore', handle: affiliateAction((merchantId, affiliateId) => Affiliates.update(merchantId, affiliateId, { status: 'active' }), 'restored') },
  { method: 'POST', path: '/affiliates/:id/invite', handle: affiliateAction((merchantId, affiliateId) => inviteAffiliate(merchantId, affiliateId), 'invited') },
];
