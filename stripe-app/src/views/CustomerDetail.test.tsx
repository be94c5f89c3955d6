import { Badge, Banner, PropertyListItem, Spinner } from '@stripe/ui-extension-sdk/ui';
import { dashboardContext, merchant, mockTally, notFound, renderView, serverError, tallyUrl, usd } from '../test/backend';
import CustomerDetail from './CustomerDetail';

const onCustomer = dashboardContext({ viewport: 'stripe.dashboard.customer.detail', object: { id: 'cus_ada', object: 'customer' } });

const purchase = (overrides: Record<string, unknown> = {}) => ({
  id: 'pur_1',
  occurredAt: '2026-03-02T10:00:00.000Z',
  stripe: { customerId: 'cus_ada', invoiceId: 'in_1' },
  total: usd(9_990),
  refunded: usd(0),
  affiliateId: 'aff_ada',
  source: 'coupon',
  commission: { id: 'com_1', status: 'pending', amount: usd(1_998), paid: usd(0), balance: usd(1_998), lines: [], availableAt: '2026-04-01T10:00:00.000Z' },
  noCommissionReason: null,
  ...overrides,
});

const customer = (overrides: Record<string, unknown> = {}) => ({
  mode: 'test',
  merchant,
  customerId: 'cus_ada',
  referral: {
    affiliate: { id: 'aff_ada', name: 'Ada Lovelace', referralCode: 'ada', couponCode: 'ADA-15', status: 'active' },
    source: 'coupon',
    since: '2026-03-02T10:00:00.000Z',
  },
  purchases: [purchase()],
  morePurchases: false,
  ...overrides,
});

describe('the customer view (stripe.dashboard.customer.detail)', () => {
  it('shows a spinner while Tally answers', () => {
    mockTally('pending');
    expect(renderView(<CustomerDetail {...onCustomer} />).wrapper).toContainComponent(Spinner);
  });

  it('says who referred the customer, how and since when, and lists their purchases with commissions and statuses', async () => {
    const calls = mockTally({ status: 200, body: customer() });
    const { wrapper, update } = renderView(<CustomerDetail {...onCustomer} />);
    await update();
    expect(calls[0]).toMatchObject({
      url: `${tallyUrl}/stripe-app/customer`,
      body: { user_id: 'usr_dashboard', account_id: 'acct_merchant', mode: 'test', customer_id: 'cus_ada' },
    });
    expect(wrapper).toContainComponent(PropertyListItem, { label: 'Referred by', value: 'Ada Lovelace' });
    expect(wrapper).toContainComponent(PropertyListItem, { label: 'How', value: 'Coupon code' });
    expect(wrapper).toContainComponent(PropertyListItem, { label: 'Since', value: 'Mar 2, 2026' });
    expect(wrapper).toContainText('$99.90');
    expect(wrapper).toContainText('Commission $19.98');
    expect(wrapper).toContainComponent(Badge, { type: 'info' });
  });

  it('says why a purchase earned nothing', async () => {
    mockTally({ status: 200, body: customer({ purchases: [purchase({ commission: null, noCommissionReason: 'the affiliate is archived' })] }) });
    const { wrapper, update } = renderView(<CustomerDetail {...onCustomer} />);
    await update();
    expect(wrapper).toContainText('No commission: the affiliate is archived');
  });

  it('shows a customer nobody referred, with no purchases yet', async () => {
    mockTally({ status: 200, body: customer({ referral: null, purchases: [] }) });
    const { wrapper, update } = renderView(<CustomerDetail {...onCustomer} />);
    await update();
    expect(wrapper).toContainComponent(Banner, { title: 'No affiliate referred this customer' });
    expect(wrapper).toContainText('No purchases yet.');
  });

  it('says Tally knows nothing of the customer on a 404', async () => {
    mockTally(notFound);
    const { wrapper, update } = renderView(<CustomerDetail {...onCustomer} />);
    await update();
    expect(wrapper).toContainComponent(Banner, { title: 'Not in Tally' });
  });

  it("shows Tally's error", async () => {
    mockTally(serverError);
    const { wrapper, update } = renderView(<CustomerDetail {...onCustomer} />);
    await update();
    expect(wrapper).toContainComponent(Banner, { type: 'critical', description: 'Something went wrong on our side.' });
  });
});
