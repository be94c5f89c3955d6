import { Badge, Banner, PropertyListItem, Spinner } from '@stripe/ui-extension-sdk/ui';
import { dashboardContext, merchant, mockTally, notFound, renderView, serverError, tallyUrl, usd } from '../test/backend';
import InvoiceDetail from './InvoiceDetail';

const onInvoice = dashboardContext({ viewport: 'stripe.dashboard.invoice.detail', object: { id: 'in_1', object: 'invoice' } });

const earned = {
  mode: 'test',
  merchant,
  affiliate: { id: 'aff_ada', name: 'Ada Lovelace', referralCode: 'ada', couponCode: null, status: 'active' },
  reason: null,
  purchase: {
    id: 'pur_1',
    occurredAt: '2026-03-02T10:00:00.000Z',
    stripe: { customerId: 'cus_ada', invoiceId: 'in_1' },
    total: usd(10_000),
    refunded: usd(2_500),
    affiliateId: 'aff_ada',
    source: 'metadata',
    noCommissionReason: null,
    commission: {
      id: 'com_1',
      status: 'approved',
      amount: usd(1_500),
      paid: usd(0),
      balance: usd(1_500),
      availableAt: '2026-03-02T10:00:00.000Z',
      lines: [
        { type: 'earned', amount: usd(2_000), reason: '20 % of 100.00 USD', at: '2026-03-02T10:00:00.000Z' },
        { type: 'adjusted', amount: usd(-500), reason: 'refund of 25.00 USD', at: '2026-03-05T10:00:00.000Z' },
      ],
    },
  },
};

describe('the invoice view (stripe.dashboard.invoice.detail)', () => {
  it('shows a spinner while Tally answers', () => {
    mockTally('pending');
    expect(renderView(<InvoiceDetail {...onInvoice} />).wrapper).toContainComponent(Spinner);
  });

  it("shows the invoice's commission, its status and its lines with their reasons", async () => {
    const calls = mockTally({ status: 200, body: earned });
    const { wrapper, update } = renderView(<InvoiceDetail {...onInvoice} />);
    await update();
    expect(calls[0]).toMatchObject({ url: `${tallyUrl}/stripe-app/purchase`, body: { invoice_id: 'in_1', mode: 'test' } });
    expect(wrapper).toContainComponent(PropertyListItem, { label: 'Affiliate', value: 'Ada Lovelace' });
    expect(wrapper).toContainComponent(PropertyListItem, { label: 'Refunded', value: '$25.00' });
    expect(wrapper).toContainComponent(PropertyListItem, { label: 'Commission', value: '$15.00' });
    expect(wrapper).toContainComponent(Badge, { type: 'positive' });
    expect(wrapper).toContainText('Status approved');
    expect(wrapper).toContainText('earned $20.00');
    expect(wrapper).toContainText('20 % of 100.00 USD');
    expect(wrapper).toContainText('adjusted -$5.00');
    expect(wrapper).toContainText('refund of 25.00 USD');
  });

  it('says why an invoice earned no commission', async () => {
    mockTally({
      status: 200,
      body: { ...earned, affiliate: null, reason: 'No affiliate referred this customer.', purchase: { ...earned.purchase, affiliateId: null, source: null, commission: null } },
    });
    const { wrapper, update } = renderView(<InvoiceDetail {...onInvoice} />);
    await update();
    expect(wrapper).toContainComponent(Banner, { title: 'Why no commission', description: 'No affiliate referred this customer.' });
  });

  it('says Tally recorded no purchase for it on a 404', async () => {
    mockTally(notFound);
    const { wrapper, update } = renderView(<InvoiceDetail {...onInvoice} />);
    await update();
    expect(wrapper).toContainComponent(Banner, { title: 'No purchase in Tally' });
  });

  it('says why facts Tally holds make no purchase', async () => {
    mockTally({ status: 200, body: { mode: 'test', merchant, purchase: null, affiliate: null, reason: 'its subscription is tracked by billing period' } });
    const { wrapper, update } = renderView(<InvoiceDetail {...onInvoice} />);
    await update();
    expect(wrapper).toContainComponent(Banner, { title: 'Not a purchase', description: 'its subscription is tracked by billing period' });
  });

  it("shows Tally's error", async () => {
    mockTally(serverError);
    const { wrapper, update } = renderView(<InvoiceDetail {...onInvoice} />);
    await update();
    expect(wrapper).toContainComponent(Banner, { type: 'critical' });
  });
});
