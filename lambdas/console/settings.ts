import type * as z from 'zod';
import { ValidationError } from '../core/errors';
import * as Merchants from '../merchants/merchant';
import { type MerchantSettings, settingsPatchInput, type SettingsPatch } from '../merchants/merchant';
import { inviteMember, inviteMemberInput, listMembers, type Member, roles, type Session } from '../people';
import * as Plans from '../plans/plan';
import type { CommissionPlan } from '../plans/plan';
import { type Form, href, type SignedInRequest, seeOther, type WebRoute } from '../web/app';
import { html } from '../web/html';
import { consolePage, csrfField, field, postForm, select, table, time } from '../web/layout';
import { canChange, errorFor, type FieldErrors, flashOf, formFailure, formProblem, type Issues, need, text, validated, viewerNote, wholeNumber, withStatus } from './forms';
import { planOptions } from './plans';

/**
 * Settings: how the program runs (subscription tracking, cookie window, hold days, default plan,
 * the site referral links point to) and the team. Changing subscription tracking first shows the
 * article's warning on a page of its own; only its confirmation saves the change. Coupon auto-sync
 * is on the Stripe page.
 */

// ── Form ↔ input ─────────────────────────────────────────────────────────────────────────────

/** The settings form is every setting it shows; an empty plan or site URL is none. */
export const settingsFromForm = (form: Form): SettingsPatch => {
  const issues: Issues = [];
  const patch = {
    subscriptionTracking: text(form, 'subscriptionTracking'),
    cookieWindowDays: need(wholeNumber(form, 'cookieWindowDays', issues), 'cookieWindowDays', issues),
    holdDays: need(wholeNumber(form, 'holdDays', issues), 'holdDays', issues),
    defaultCommissionPlanId: text(form, 'defaultCommissionPlanId') ?? null,
    siteUrl: text(form, 'siteUrl') ?? null,
  };
  return validated(settingsPatchInput, patch, issues);
};

export const settingsToForm = (settings: MerchantSettings): Form => ({
  subscriptionTracking: settings.subscriptionTracking,
  cookieWindowDays: String(settings.cookieWindowDays),
  holdDays: String(settings.holdDays),
  defaultCommissionPlanId: settings.defaultCommissionPlanId ?? '',
  siteUrl: settings.siteUrl ?? '',
});

type InviteMemberInput = z.infer<typeof inviteMemberInput>;

export const memberFromForm = (form: Form): InviteMemberInput => validated(inviteMemberInput, { email: text(form, 'email'), role: text(form, 'role') });

/** Only an owner makes someone an owner: an admin cannot raise anyone, themselves included, above admin. */
const checkRoleGrant = (session: Session, input: InviteMemberInput) => {
  if (input.role === 'owner' && !(session.area === 'console' && session.role === 'owner'))
    throw new ValidationError('Only an owner can add an owner.', [{ path: ['role'], message: 'Only an owner can make someone an owner.' }]);
};

// ── Pages ────────────────────────────────────────────────────────────────────────────────────

const trackingLabels: Record<MerchantSettings['subscriptionTracking'], string> = {
  per_transaction: 'Per transaction (recommended): every paid invoice is a purchase',
  subscription_period: 'Subscription period: each billing period is a purchase, from its start and end dates',
};

const roleLabels = { owner: 'Owner: everything, including the team', admin: 'Admin: everything', viewer: 'Viewer: looks, changes nothing' } as const;

const flashes = { saved: 'Settings saved.', invited: 'The invitation is on its way.' };

interface SettingsData {
  merchant: Merchants.Merchant;
  plans: CommissionPlan[];
  members: Member[];
}

const load = async (merchantId: string): Promise<SettingsData> => {
  const [merchant, plans, members] = await Promise.all([Merchants.get(merchantId), Plans.list(merchantId, { limit: 100 }), listMembers(merchantId)]);
  return { merchant, plans: plans.data, members };
};

interface SettingsState {
  values?: Form;
  errors?: FieldErrors;
  team?: { values: Form; errors: FieldErrors };
}

const settingsFields = (values: Form, errors: FieldErrors, plans: readonly CommissionPlan[]) => html`
  ${formProblem(errors)}
  ${select({
    label: 'Subscription tracking',
    name: 'subscriptionTracking',
    value: values.subscriptionTracking,
    error: errorFor(errors, 'subscriptionTracking'),
    hint: 'You should not need to change this; a change asks you to confirm first.',
    options: Merchants.subscriptionTrackingModes.map((mode) => ({ value: mode, label: trackingLabels[mode] })),
  })}
  ${field({ label: 'Cookie window (days)', name: 'cookieWindowDays', value: values.cookieWindowDays, required: true, hint: 'How long after a visit or lead a sale is still credited: 1 to 365.', error: errorFor(errors, 'cookieWindowDays'), attributes: { inputmode: 'numeric' } })}
  ${field({ label: 'Hold (days)', name: 'holdDays', value: values.holdDays, required: true, hint: 'How long a commission stays pending before it can be paid (the refund window): 0 to 365.', error: errorFor(errors, 'holdDays'), attributes: { inputmode: 'numeric' } })}
  ${select({
    label: 'Default plan',
    name: 'defaultCommissionPlanId',
    value: values.defaultCommissionPlanId ?? '',
    error: errorFor(errors, 'defaultCommissionPlanId'),
    hint: 'What affiliates without a plan of their own earn by.',
    options: planOptions(plans, values.defaultCommissionPlanId, 'None: affiliates without a plan earn nothing'),
  })}
  ${field({ label: 'Site URL', name: 'siteUrl', type: 'url', value: values.siteUrl, placeholder: 'https://www.example.com/', hint: 'Referral links point here, with ?ref=<referral code>.', error: errorFor(errors, 'siteUrl') })}
`;

const settingsPage = (request: SignedInRequest, { merchant, plans, members }: SettingsData, state: SettingsState = {}) => {
  const { session, mode } = request;
  const changes = canChange(session);
  const team = state.team ?? { values: { role: 'viewer' }, errors: {} };
  return consolePage({
    session,
    mode,
    title: 'Settings',
    section: 'Settings',
    path: '/settings',
    flash: flashOf(request.query, flashes),
    body: html`
      <h2>Program</h2>
      ${changes
        ? postForm({ action: href(request, '/settings'), csrfToken: session.csrfToken, submit: 'Save settings', label: 'Program settings', body: settingsFields(state.values ?? settingsToForm(merchant.settings), state.errors ?? {}, plans) })
        : html`${viewerNote}
            <dl>
              <dt>Subscription tracking</dt><dd>${trackingLabels[merchant.settings.subscriptionTracking]}</dd>
              <dt>Cookie window</dt><dd>${merchant.settings.cookieWindowDays} days</dd>
              <dt>Hold</dt><dd>${merchant.settings.holdDays} days</dd>
              <dt>Default plan</dt><dd>${plans.find((plan) => plan.isDefault)?.name ?? 'None'}</dd>
              <dt>Site URL</dt><dd>${merchant.settings.siteUrl ?? 'Not set'}</dd>
            </dl>`}

      <h2>Team</h2>
      ${table(
        ['E-mail', 'Role', 'Invited by', 'Since'],
        members.map((member) => [member.email, member.role, member.invitedBy ?? '—', time(member.invitedAt)]),
      )}
      ${changes
        ? postForm({
            action: href(request, '/settings/team'),
            csrfToken: session.csrfToken,
            submit: 'Invite',
            label: 'Invite a team member',
            body: html`
              <h3>Invite a team member</h3>
              <p class="muted">They get an e-mail with a sign-in link. Inviting someone already on the team changes their role.</p>
              ${formProblem(team.errors)}
              ${field({ label: 'E-mail address', name: 'email', type: 'email', value: team.values.email, required: true, error: errorFor(team.errors, 'email'), attributes: { autocomplete: 'off' } })}
              ${select({ label: 'Role', name: 'role', value: team.values.role, error: errorFor(team.errors, 'role'), options: roles.map((role) => ({ value: role, label: roleLabels[role] })) })}
            `,
          })
        : null}
    `,
  });
};

/** The article's warning, and what the setting means in Tally, before a change is saved. */
const confirmTrackingPage = (request: SignedInRequest, from: MerchantSettings['subscriptionTracking'], to: MerchantSettings['subscriptionTracking']) => {
  const { session, mode, form } = request;
  const carried = ['subscriptionTracking', 'cookieWindowDays', 'holdDays', 'defaultCommissionPlanId', 'siteUrl'];
  return consolePage({
    session,
    mode,
    title: 'Change subscription tracking?',
    section: 'Settings',
    path: '/settings',
    body: html`
      <article role="alert">
        <p><strong>This setting determines whether Tally tracks subscription charges based on specific transactions or on start and end dates.</strong></p>
        <p>
          Per transaction is the default and recommended, and you should not need to adjust it. If you have any questions, ask before making any
          changes: a change can have unintended and irreversible consequences for your program.
        </p>
        <ul>
          <li><strong>Per transaction:</strong> every paid invoice is a purchase, with its real amount.</li>
          <li>
            <strong>Subscription period:</strong> each billing period of a subscription is a purchase at its price (before discounts and tax), whether or not
            its invoice was paid, from its start (after a trial) until it ends; its invoices, their refunds and disputes then change no commission.
          </li>
          <li>The change applies to subscriptions Tally first hears of after it; each subscription keeps the tracking it started with, so changing back later does not undo it for them.</li>
        </ul>
        <p>You are changing it from <strong>${trackingLabels[from]}</strong> to <strong>${trackingLabels[to]}</strong>.</p>
      </article>
      <form method="post" action=${href(request, '/settings')} aria-label="Confirm the change">
        ${csrfField(session.csrfToken)}
        ${carried.map((name) => html`<input type="hidden" name=${name} value=${form[name] ?? ''} />`)}
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit">Yes, change subscription tracking and save</button>
      </form>
      <p><a href=${href(request, '/settings')}>Cancel: keep ${trackingLabels[from].split(':')[0]?.toLowerCase()}</a></p>
    `,
  });
};

export const settingsRoutes: WebRoute[] = [
  { method: 'GET', path: '/settings', handle: async (request) => settingsPage(request, await load(request.session.merchantId)) },
  {
    method: 'POST',
    path: '/settings',
    handle: async (request) => {
      const { merchantId } = request.session;
      try {
        const patch = settingsFromForm(request.form);
        const current = (await Merchants.get(merchantId)).settings.subscriptionTracking;
        if (patch.subscriptionTracking && patch.subscriptionTracking !== current && request.form.confirm !== 'yes')
          return confirmTrackingPage(request, current, patch.subscriptionTracking);
        await Merchants.updateSettings(merchantId, patch);
        return seeOther(href(request, '/settings', { flash: 'saved' }));
      } catch (error) {
        const { status, errors } = formFailure(error);
        return withStatus(settingsPage(request, await load(merchantId), { values: request.form, errors }), status);
      }
    },
  },
  {
    method: 'POST',
    path: '/settings/team',
    handle: async (request) => {
      const { session } = request;
      try {
        const input = memberFromForm(request.form);
        checkRoleGrant(session, input);
        await inviteMember(session.merchantId, input, session.email);
        return seeOther(href(request, '/settings', { flash: 'invited' }));
      } catch (error) {
        const { status, errors } = formFailure(error);
        return withStatus(settingsPage(request, await load(session.merchantId), { team: { values: request.form, errors } }), status);
      }
    },
  },
];
