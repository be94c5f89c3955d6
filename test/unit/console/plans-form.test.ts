import { ValidationError } from '../../../lambdas/core/errors';
import { createPlanFromForm, planToForm, rateText, recurringText, updatePlanFromForm } from '../../../lambdas/console/plans';
import { fieldErrors } from '../../../lambdas/web/format';

const errorsOf = (run: () => unknown): Record<string, string> => {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return fieldErrors(error.issues);
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('the plan form', () => {
  it('takes a percentage as entered and stores basis points', () => {
    expect(createPlanFromForm({ name: ' Partners ', 'rate.kind': 'percent', 'rate.percentBps': '12.5', paymentFor: 'all', 'recurring.kind': 'all' })).toEqual({
      name: 'Partners',
      rate: { percentBps: 1250 },
      paymentFor: 'all',
      lineItemSkus: [],
      recurring: 'all',
    });
  });

  it('takes a flat amount in the currency’s units, zero-decimal currencies as whole amounts', () => {
    expect(createPlanFromForm({ name: 'Flat', 'rate.kind': 'flat', 'rate.flat.amount': '10.50', 'rate.flat.currency': 'USD' }).rate).toEqual({ flat: { amount: 1050, currency: 'usd' } });
    expect(createPlanFromForm({ name: 'Yen', 'rate.kind': 'flat', 'rate.flat.amount': '500', 'rate.flat.currency': 'jpy' }).rate).toEqual({ flat: { amount: 500, currency: 'jpy' } });
    expect(errorsOf(() => createPlanFromForm({ name: 'Yen', 'rate.kind': 'flat', 'rate.flat.amount': '5.5', 'rate.flat.currency': 'jpy' }))).toEqual({
      'rate.flat.amount': 'Enter a whole amount (this currency has no decimals).',
    });
  });

  it('reads the article’s comma-separated line item SKU list', () => {
    const input = createPlanFromForm({ name: 'Per product', 'rate.percentBps': '20', paymentFor: 'line_items', lineItemSkus: 'prod_A1, prod_B2', 'recurring.kind': 'first' });
    expect(input).toMatchObject({ paymentFor: 'line_items', lineItemSkus: ['prod_A1', 'prod_B2'], recurring: 'first' });
  });

  it('drops product IDs left in the box when the plan pays for all payments', () => {
    expect(createPlanFromForm({ name: 'All', 'rate.percentBps': '20', paymentFor: 'all', lineItemSkus: 'prod_A1' }).lineItemSkus).toEqual([]);
  });

  it('takes N months of recurring payments', () => {
    expect(createPlanFromForm({ name: 'Year', 'rate.percentBps': '30', 'recurring.kind': 'months', 'recurring.months': '12' }).recurring).toEqual({ months: 12 });
  });

  it('says what is wrong beside each field', () => {
    expect(
      errorsOf(() =>
        createPlanFromForm({ name: '', 'rate.percentBps': '150', paymentFor: 'line_items', lineItemSkus: 'sku-1', 'recurring.kind': 'months', 'recurring.months': 'twelve' }),
      ),
    ).toEqual({
      name: expect.any(String),
      'rate.percentBps': expect.stringContaining('10000'),
      'recurring.months': 'Enter a whole number.',
      'lineItemSkus.0': 'a Stripe product ID (prod_…)',
    });
    expect(errorsOf(() => createPlanFromForm({ name: 'x', 'rate.percentBps': '12.345' }))).toEqual({ 'rate.percentBps': 'Enter a percentage such as 12.5 (at most two decimals).' });
    expect(errorsOf(() => createPlanFromForm({ name: 'x', 'rate.kind': 'percent' }))).toEqual({ 'rate.percentBps': 'Required.' });
    expect(errorsOf(() => createPlanFromForm({ name: 'x', 'rate.percentBps': '5', paymentFor: 'line_items' }))).toEqual({ lineItemSkus: 'line_items plans need at least one product ID' });
  });

  it('makes the plan the default only when the box is ticked, and an edit says either way', () => {
    expect(createPlanFromForm({ name: 'x', 'rate.percentBps': '5' })).not.toHaveProperty('isDefault');
    expect(createPlanFromForm({ name: 'x', 'rate.percentBps': '5', isDefault: 'on' }).isDefault).toBe(true);
    expect(updatePlanFromForm({ name: 'x', 'rate.percentBps': '5' }).isDefault).toBe(false);
  });

  it('shows a stored plan in its form and reads it back unchanged', () => {
    const plan = {
      id: 'plan_1',
      name: 'Year',
      rate: { flat: { amount: 1999, currency: 'eur' } },
      paymentFor: 'line_items' as const,
      lineItemSkus: ['prod_A', 'prod_B'],
      recurring: { months: 12 },
      isDefault: true,
      createdAt: '2030-01-01T00:00:00.000Z',
      updatedAt: '2030-01-01T00:00:00.000Z',
    };
    const form = planToForm(plan);
    expect(form).toMatchObject({ 'rate.kind': 'flat', 'rate.flat.amount': '19.99', 'rate.flat.currency': 'EUR', lineItemSkus: 'prod_A, prod_B', 'recurring.kind': 'months', 'recurring.months': '12' });
    expect(updatePlanFromForm(form)).toEqual({ name: 'Year', rate: plan.rate, paymentFor: 'line_items', lineItemSkus: plan.lineItemSkus, recurring: plan.recurring, isDefault: true });
  });

  it('describes rates and recurring payments in words', () => {
    expect(rateText({ percentBps: 1250 })).toBe('12.5 %');
    expect(rateText({ flat: { amount: 500, currency: 'jpy' } })).toBe('¥500 flat');
    expect(recurringText({ months: 6 })).toBe('Payments in the first 6 months');
  });
});
