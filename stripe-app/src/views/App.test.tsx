import { Banner, ContextView, Link, Select, Spinner } from '@stripe/ui-extension-sdk/ui';
import { dashboardContext, merchant, mockTally, notFound, renderView, serverError, tallyUrl, usd } from '../test/backend';
import App, { periodEnding } from './App';

const stats = (overrides: Record<string, unknown> = {}) => ({
  mode: 'test',
  from: '2026-11-09',
  to: '2026-12-08',
  sales: { count: 42, amounts: [usd(1_250_000)] },
  commissions: { amounts: [usd(118_000)], earned: [usd(125_000)], reversed: [usd(7_000)] },
  refunds: { count: 2, amounts: [usd(70_000)] },
  visits: 950,
  leads: 61,
  newAffiliates: 3,
  topAffiliates: [
    { affiliateId: 'aff_ada', name: 'Ada', referralCode: 'ada', sales: { count: 12, amounts: [usd(400_000)] }, commissions: { amounts: [usd(40_000)] }, visits: 310, leads: 20 },
  ],
  merchant,
  dashboardUrl: null,
  ...overrides,
});

describe('the drawer (stripe.dashboard.drawer.default)', () => {
  it('shows a spinner while Tally answers', () => {
    mockTally('pending');
    const { wrapper } = renderView(<App {...dashboardContext()} />);
    expect(wrapper).toContainComponent(Spinner);
  });

  it('asks Tally, signed, for the last 30 days in the mode the Dashboard is in', async () => {
    const calls = mockTally({ status: 200, body: stats() });
    const { update } = renderView(<App {...dashboardContext({ mode: 'live' })} />);
    await update();
    expect(calls).toEqual([
      {
        url: `${tallyUrl}/stripe-app/stats`,
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': 't=1700000000,v1=signed-by-stripe' },
        body: { user_id: 'usr_dashboard', account_id: 'acct_merchant', mode: 'live', ...periodEnding(30, new Date()) },
      },
    ]);
  });

  it('shows the four figures, the top affiliates, and a link to the console on the same period and mode', async () => {
    mockTally({ status: 200, body: stats() });
    const { wrapper, update } = renderView(<App {...dashboardContext()} />);
    await update();
    expect(wrapper).toContainText('$12,500.00');
    expect(wrapper).toContainText('Sales (42)');
    expect(wrapper).toContainText('$1,180.00');
    expect(wrapper).toContainText('950 visits · 61 leads');
    expect(wrapper).toContainText('New affiliates');
    expect(wrapper).toContainText('Ada');
    expect(wrapper).toContainText('12 sales · $400.00 commissions · 310 visits · 20 leads');
    const { from, to } = periodEnding(30, new Date());
    expect(wrapper.find(ContextView)).toHaveProps({
      externalLink: { label: 'Go to Tally dashboard', href: `${tallyUrl}/console/?mode=test&from=${from}&to=${to}` },
    });
  });

  it('asks again for the period the user picks', async () => {
    const calls = mockTally({ status: 200, body: stats() }, { status: 200, body: stats() });
    const { wrapper, update } = renderView(<App {...dashboardContext()} />);
    await update();
    wrapper.find(Select)?.trigger('onChange', { target: { value: '7' } });
    await update();
    expect(calls).toHaveLength(2);
    expect(calls[1]?.body).toMatchObject(periodEnding(7, new Date()));
  });

  it('says so when the period had no affiliate activity', async () => {
    mockTally({ status: 200, body: stats({ sales: { count: 0, amounts: [] }, commissions: { amounts: [], earned: [], reversed: [] }, topAffiliates: [] }) });
    const { wrapper, update } = renderView(<App {...dashboardContext()} />);
    await update();
    expect(wrapper).toContainText('No affiliate activity in this period.');
    expect(wrapper).toContainText('Sales (0)');
  });

  it('offers to connect an account Tally does not know (a 404)', async () => {
    mockTally(notFound);
    const { wrapper, update } = renderView(<App {...dashboardContext()} />);
    await update();
    expect(wrapper).toContainComponent(Banner, { title: 'This Stripe account is not connected to Tally' });
    expect(wrapper).toContainComponent(Link, { href: `${tallyUrl}/console/stripe?mode=test` });
  });

  it("shows Tally's error", async () => {
    mockTally(serverError);
    const { wrapper, update } = renderView(<App {...dashboardContext()} />);
    await update();
    expect(wrapper).toContainComponent(Banner, { type: 'critical', description: 'Something went wrong on our side.' });
  });

  it('shows a network failure as an error', async () => {
    mockTally('network-error');
    const { wrapper, update } = renderView(<App {...dashboardContext()} />);
    await update();
    expect(wrapper).toContainComponent(Banner, { type: 'critical', description: 'Failed to fetch' });
  });
});
