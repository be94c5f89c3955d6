import { ValidationError } from '../../../lambdas/core/errors';
import { memberFromForm, settingsFromForm, settingsToForm } from '../../../lambdas/console/settings';
import { defaultSettings } from '../../../lambdas/merchants/merchant';
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

describe('the settings form', () => {
  it('reads every setting it shows; an empty plan or site URL is none', () => {
    expect(settingsFromForm({ subscriptionTracking: 'per_transaction', cookieWindowDays: '60', holdDays: '0', defaultCommissionPlanId: '', siteUrl: '' })).toEqual({
      subscriptionTracking: 'per_transaction',
      cookieWindowDays: 60,
      holdDays: 0,
      defaultCommissionPlanId: null,
      siteUrl: null,
    });
  });

  it('reads back what it shows', () => {
    const settings = { ...defaultSettings, defaultCommissionPlanId: 'plan_1', siteUrl: 'https://shop.example.com/' };
    const { autoSyncCoupons: _onTheStripePage, ...shown } = settings;
    expect(settingsFromForm(settingsToForm(settings))).toEqual(shown);
  });

  it('says what is wrong beside each field', () => {
    expect(errorsOf(() => settingsFromForm({ subscriptionTracking: 'weekly', cookieWindowDays: '', holdDays: '1.5', siteUrl: 'ftp://shop.example.com' }))).toEqual({
      subscriptionTracking: expect.any(String),
      cookieWindowDays: 'Required.',
      holdDays: 'Enter a whole number.',
      siteUrl: expect.any(String),
    });
    expect(errorsOf(() => settingsFromForm({ subscriptionTracking: 'per_transaction', cookieWindowDays: '400', holdDays: '0' }))).toEqual({ cookieWindowDays: expect.stringContaining('365') });
  });

  it('reads a team invitation', () => {
    expect(memberFromForm({ email: ' bo@example.com ', role: 'admin' })).toEqual({ email: 'bo@example.com', role: 'admin' });
    expect(errorsOf(() => memberFromForm({ email: 'bo@example.com', role: 'boss' }))).toEqual({ role: expect.any(String) });
  });
});
