import { Banner, PropertyListItem, Spinner } from '@stripe/ui-extension-sdk/ui';
import { dashboardContext, merchant, mockTally, notFound, renderView, serverError, usd } from '../test/backend';
import PaymentDetail from './PaymentDetail';

const onPayment = (id: string) => dashboardContext({ viewport: 'stripe.dashboard.payment.detail', object: { id, object: id.startsWith('ch_') ? 'charge' : 'payment_intent' } });

const unreferred = {
  mode: 'live',
  merchant,
  affiliate: null,
  reason: 'No affiliate referred this customer.',
  purchase: {
    id: 'pur_2',
    occurredAt: '2026-03-02T10:00:00.000Z',
    stripe: { customerId: null, paymentIntentId: 'pi_1', chargeId: 'ch_1' },
    total: usd(1_500),
    refunded: usd(0),
    affiliateId: null,
    source: null,
    commission: null,
    noCommissionReason: 'No affiliate referred this customer.',
  },
};

describe('the payment view (stripe.dashboard.payment.detail)', () => {
  it('shows a spinner while Tally answers', () => {
    mockTally('pending');
    expect(renderView(<PaymentDetail {...onPayment('pi_1')} />).wrapper).toContainComponent(Spinner);
  });

  it('asks about the payment intent of the page, or its charge for a payment without one', async () => {
    const calls = mockTally({ status: 200, body: unreferred }, { status: 200, body: unreferred });
    const first = renderView(<PaymentDetail {...onPayment('pi_1')} />);
    const second = renderView(<PaymentDetail {...onPayment('ch_1')} />);
    await first.update();
    await second.update();
    expect(calls.map((call) => call.body)).toEqual([
      expect.objectContaining({ payment_intent_id: 'pi_1' }),
      expect.objectContaining({ charge_id: 'ch_1' }),
    ]);
  });

  it('says why the payment earned nothing', async () => {
    mockTally({ status: 200, body: unreferred });
    const { wrapper, update } = renderView(<PaymentDetail {...onPayment('pi_1')} />);
    await update();
    expect(wrapper).toContainComponent(PropertyListItem, { label: 'Total', value: '$15.00' });
    expect(wrapper).toContainComponent(PropertyListItem, { label: 'Commission', value: 'None' });
    expect(wrapper).toContainComponent(Banner, { title: 'Why no commission', description: 'No affiliate referred this customer.' });
  });

  it('says Tally recorded no purchase for it on a 404', async () => {
    mockTally(notFound);
    const { wrapper, update } = renderView(<PaymentDetail {...onPayment('pi_unknown')} />);
    await update();
    expect(wrapper).toContainComponent(Banner, { title: 'No purchase in Tally' });
  });

  it("shows Tally's error", async () => {
    mockTally(serverError);
    const { wrapper, update } = renderView(<PaymentDetail {...onPayment('pi_1')} />);
    await update();
    expect(wrapper).toContainComponent(Banner, { type: 'critical' });
  });
});
