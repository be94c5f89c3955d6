import * as Plans from '../plans/plan';
import { type CommissionPlan, createPlanInput, type CreatePlanInput, type Rate, rateSchema, type Recurring, recurringSchema, updatePlanInput, type UpdatePlanInput } from '../plans/plan';
import { type Form, href, type SignedInRequest, seeOther, type WebRoute } from '../web/app';
import { formatMoney } from '../web/format';
import { html } from '../web/html';
import { checkbox, consolePage, field, pager, postForm, select, table } from '../web/layout';
import {
  amountToMinor,
  bpsToPercent,
  canChange,
  checkPart,
  errorFor,
  type FieldErrors,
  flashOf,
  formFailure,
  formProblem,
  type Issues,
  list,
  minorToAmount,
  percentToBps,
  text,
  validated,
  viewerNote,
  withStatus,
  wholeNumber,
} from './forms';

/**
 * Plans: what an affiliate earns. A percent of each payment or a flat amount, for every product or
 * only line items of the listed Stripe products ("Payment for: line-item" with its comma-separated
 * product IDs, as the article describes), on the first payment, all of them or those of the first
 * N months.
 */

// ── Form ↔ input ─────────────────────────────────────────────────────────────────────────────

/** The plan's terms from its form; a percent is entered as one (12.5) and stored in basis points (1250). */
const termsOf = (form: Form, issues: Issues) => {
  let rate: Rate | undefined;
  if (form['rate.kind'] === 'flat') {
    const currency = text(form, 'rate.flat.currency');
    const amount = amountToMinor(form, 'rate.flat.amount', currency, issues);
    rate = checkPart(rateSchema.options[1], { flat: { amount, currency } }, 'rate', issues);
  } else {
    rate = checkPart(rateSchema.options[0], { percentBps: percentToBps(form, 'rate.percentBps', issues) }, 'rate', issues);
  }
  let recurring: Recurring | undefined = form['recurring.kind'] === 'first' ? 'first' : 'all';
  if (form['recurring.kind'] === 'months')
    recurring = checkPart(recurringSchema.options[1], { months: wholeNumber(form, 'recurring.months', issues) }, 'recurring', issues);
  const paymentFor = form.paymentFor === 'line_items' ? 'line_items' : 'all';
  // Product IDs left in the box after choosing "all payments" are not a second rule: they are dropped.
  return { name: text(form, 'name'), rate, paymentFor, lineItemSkus: paymentFor === 'line_items' ? list(form, 'lineItemSkus') : [], recurring } as const;
};

/** `POST /plans`: a new plan; the box unticked leaves the default as it is (the first plan becomes it). */
export const createPlanFromForm = (form: Form): CreatePlanInput => {
  const issues: Issues = [];
  const terms = termsOf(form, issues);
  return validated(createPlanInput, { ...terms, ...(form.isDefault === 'on' ? { isDefault: true } : {}) }, issues);
};

/** `POST /plans/:id`: the whole form is the plan's new terms, the box whether it is the default. */
export const updatePlanFromForm = (form: Form): UpdatePlanInput => {
  const issues: Issues = [];
  return validated(updatePlanInput, { ...termsOf(form, issues), isDefault: form.isDefault === 'on' }, issues);
};

export const planToForm = (plan: CommissionPlan): Form => ({
  name: plan.name,
  'rate.kind': 'flat' in plan.rate ? 'flat' : 'percent',
  'rate.percentBps': 'percentBps' in plan.rate ? bpsToPercent(plan.rate.percentBps) : '',
  'rate.flat.amount': 'flat' in plan.rate ? minorToAmount(plan.rate.flat.amount, plan.rate.flat.currency) : '',
  'rate.flat.currency': 'flat' in plan.rate ? plan.rate.flat.currency.toUpperCase() : '',
  paymentFor: plan.paymentFor,
  lineItemSkus: plan.lineItemSkus.join(', '),
  'recurring.kind': typeof plan.recurring === 'string' ? plan.recurring : 'months',
  'recurring.months': typeof plan.recurring === 'string' ? '' : String(plan.recurring.months),
  isDefault: plan.isDefault ? 'on' : '',
});

// ── Pages ────────────────────────────────────────────────────────────────────────────────────

export const rateText = (rate: Rate): string => ('percentBps' in rate ? `${bpsToPercent(rate.percentBps)} %` : `${formatMoney(rate.flat)} flat`);

export const recurringText = (recurring: Recurring): string =>
  recurring === 'first' ? 'First payment only' : recurring === 'all' ? 'Every payment' : `Payments in the first ${recurring.months} months`;

/**
 * A plan select's options: "none" first, then the plans read (the first 100), and the current one
 * if it is not among them, so that saving a form never drops a plan it did not show.
 */
export const planOptions = (plans: readonly CommissionPlan[], currentId: string | null | undefined, noneLabel: string) => [
  { value: '', label: noneLabel },
  ...plans.map((plan) => ({ value: plan.id, label: plan.name })),
  ...(currentId && !plans.some((plan) => plan.id === currentId) ? [{ value: currentId, label: currentId }] : []),
];

const paymentForText = (plan: CommissionPlan) => (plan.paymentFor === 'all' ? 'All payments' : `Line items: ${plan.lineItemSkus.join(', ')}`);

const planForm = (request: SignedInRequest, action: string, values: Form, errors: FieldErrors, submit: string) =>
  postForm({
    action: href(request, action),
    csrfToken: request.session.csrfToken,
    submit,
    label: submit,
    body: html`
      ${formProblem(errors)}
      ${field({ label: 'Name', name: 'name', value: values.name, required: true, error: errorFor(errors, 'name') })}
      <fieldset>
        <legend>Rate</legend>
        ${select({
          label: 'Kind of rate',
          name: 'rate.kind',
          value: values['rate.kind'] ?? 'percent',
          options: [
            { value: 'percent', label: 'A percentage of each payment' },
            { value: 'flat', label: 'A flat amount per payment' },
          ],
        })}
        ${field({ label: 'Percentage', name: 'rate.percentBps', value: values['rate.percentBps'], hint: 'For a percentage rate: 12.5 means 12.5 % of the payment.', error: errorFor(errors, 'rate.percentBps') ?? errors.rate, attributes: { inputmode: 'decimal' } })}
        <div class="grid">
          <div>${field({ label: 'Flat amount', name: 'rate.flat.amount', value: values['rate.flat.amount'], hint: 'For a flat rate, in the currency’s units: 10.00', error: errorFor(errors, 'rate.flat.amount') ?? errorFor(errors, 'rate.flat'), attributes: { inputmode: 'decimal' } })}</div>
          <div>${field({ label: 'Currency', name: 'rate.flat.currency', value: values['rate.flat.currency'], hint: 'For a flat rate: USD, EUR, JPY…', error: errorFor(errors, 'rate.flat.currency'), attributes: { maxlength: 3, autocapitalize: 'characters' } })}</div>
        </div>
      </fieldset>
      <fieldset>
        <legend>Payment for</legend>
        ${select({
          label: 'Which payments earn',
          name: 'paymentFor',
          value: values.paymentFor ?? 'all',
          error: errors.paymentFor,
          options: [
            { value: 'all', label: 'All: every product' },
            { value: 'line_items', label: 'Line items: only the products listed below' },
          ],
        })}
        ${field({ label: 'Line item product IDs', name: 'lineItemSkus', value: values.lineItemSkus, placeholder: 'prod_A1b2C3, prod_D4e5F6', hint: 'For line items: the Stripe product IDs, separated by commas.', error: errorFor(errors, 'lineItemSkus') })}
      </fieldset>
      <fieldset>
        <legend>Recurring payments</legend>
        ${select({
          label: 'Which of a customer’s payments earn',
          name: 'recurring.kind',
          value: values['recurring.kind'] ?? 'all',
          options: [
            { value: 'first', label: 'The first payment only' },
            { value: 'all', label: 'All payments' },
            { value: 'months', label: 'Payments in the first N months' },
          ],
        })}
        ${field({ label: 'Months', name: 'recurring.months', value: values['recurring.months'], hint: 'For “first N months”: 1 to 120.', error: errorFor(errors, 'recurring.months') ?? errors.recurring, attributes: { inputmode: 'numeric' } })}
      </fieldset>
      ${checkbox({ label: 'Default plan: affiliates without a plan of their own earn by it', name: 'isDefault', checked: values.isDefault === 'on', hint: 'The first plan becomes the default by itself.' })}
    `,
  });

const flashes = { created: 'The plan is created.', saved: 'The plan is saved; it applies from the next payment.' };

const newPlanPage = (request: SignedInRequest, values: Form = {}, errors: FieldErrors = {}) =>
  consolePage({
    session: request.session,
    mode: request.mode,
    title: 'New plan',
    section: 'Plans',
    path: '/plans/new',
    body: html`${planForm(request, '/plans', values, errors, 'Create plan')}<p><a href=${href(request, '/plans')}>Back to plans</a></p>`,
  });

const planPage = (request: SignedInRequest, plan: CommissionPlan, values: Form = planToForm(plan), errors: FieldErrors = {}) =>
  consolePage({
    session: request.session,
    mode: request.mode,
    title: plan.name,
    section: 'Plans',
    path: `/plans/${plan.id}`,
    flash: flashOf(request.query, flashes),
    body: html`
      <p>${rateText(plan.rate)} · ${paymentForText(plan)} · ${recurringText(plan.recurring)}${plan.isDefault ? ' · the default plan' : ''}</p>
      <p class="muted">A change applies from the next payment; commissions already earned keep the terms they were earned under.</p>
      ${canChange(request.session) ? planForm(request, `/plans/${plan.id}`, values, errors, 'Save plan') : viewerNote}
      <p><a href=${href(request, '/plans')}>Back to plans</a></p>
    `,
  });

export const planRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: '/plans',
    handle: async (request) => {
      const page = await Plans.list(request.session.merchantId, { limit: 25, cursor: request.query.cursor || undefined });
      return consolePage({
        session: request.session,
        mode: request.mode,
        title: 'Plans',
        section: 'Plans',
        path: '/plans',
        body: html`
          ${canChange(request.session) ? html`<p><a href=${href(request, '/plans/new')} role="button">New plan</a></p>` : viewerNote}
          ${table(
            ['Plan', 'Rate', 'Payment for', 'Recurring', 'Default'],
            page.data.map((plan) => [
              html`<a href=${href(request, `/plans/${plan.id}`)}>${plan.name}</a>`,
              rateText(plan.rate),
              paymentForText(plan),
              recurringText(plan.recurring),
              plan.isDefault ? 'Default' : '',
            ]),
          )}
          ${pager(page.nextCursor ? href(request, '/plans', { cursor: page.nextCursor }) : null)}
        `,
      });
    },
  },
  { method: 'GET', path: '/plans/new', handle: async (request) => newPlanPage(request) },
  {
    method: 'POST',
    path: '/plans',
    handle: async (request) => {
      try {
        const plan = await Plans.create(request.session.merchantId, createPlanFromForm(request.form));
        return seeOther(href(request, `/plans/${plan.id}`, { flash: 'created' }));
      } catch (error) {
        const { status, errors } = formFailure(error);
        return withStatus(newPlanPage(request, request.form, errors), status);
      }
    },
  },
  {
    method: 'GET',
    path: '/plans/:id',
    handle: async (request) => planPage(request, await Plans.get(request.session.merchantId, request.params.id as string)),
  },
  {
    method: 'POST',
    path: '/plans/:id',
    handle: async (request) => {
      const { merchantId } = request.session;
      const planId = request.params.id as string;
      try {
        await Plans.update(merchantId, planId, updatePlanFromForm(request.form));
        return seeOther(href(request, `/plans/${planId}`, { flash: 'saved' }));
      } catch (error) {
        const { status, errors } = formFailure(error);
        return withStatus(planPage(request, await Plans.get(merchantId, planId), request.form, errors), status);
      }
    },
  },
];
