import { randomUUID } from 'node:crypto';
import { api } from './api';
import { stack } from './stack';

/** Builders for the records tests need, created through the public API like a client would. */

export interface TestMerchant {
  merchantId: string;
  apiKey: string;
  trackingKey: string;
}

export const unique = (prefix = 't') => `${prefix}${randomUUID().replace(/-/g, '').slice(0, 12)}`;

export const createMerchant = async (overrides: Record<string, unknown> = {}): Promise<TestMerchant> => {
  const response = await api('POST', '/v1/merchants', {
    key: stack().operatorKey,
    body: { name: `Merchant ${unique()}`, dashboardUrl: 'https://dashboard.example.com/tally', ...overrides },
  });
  if (response.status !== 201) throw new Error(`createMerchant: ${response.status} ${JSON.stringify(response.body)}`);
  return { merchantId: response.body.merchant.id, apiKey: response.body.apiKey, trackingKey: response.body.trackingKey };
};

export const affiliateInput = (overrides: Record<string, unknown> = {}) => ({
  email: `${unique('aff')}@example.com`,
  name: 'Ada Affiliate',
  ...overrides,
});

export const createAffiliate = async (merchant: TestMerchant, overrides: Record<string, unknown> = {}) => {
  const response = await api('POST', '/v1/affiliates', { key: merchant.apiKey, body: affiliateInput(overrides) });
  if (response.status !== 201) throw new Error(`createAffiliate: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
};

export const createPlan = async (merchant: TestMerchant, overrides: Record<string, unknown> = {}) => {
  const response = await api('POST', '/v1/commission-plans', {
    key: merchant.apiKey,
    body: { name: `Plan ${unique()}`, rate: { percentBps: 2000 }, ...overrides },
  });
  if (response.status !== 201) throw new Error(`createPlan: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
};
