import { Banner, Link, Spinner } from '@stripe/ui-extension-sdk/ui';
import { dashboardContext, merchant, mockTally, notFound, renderView, serverError, tallyUrl } from '../test/backend';
import AppSettings from './AppSettings';

const onSettings = (mode: 'live' | 'test' = 'test') => dashboardContext({ mode, viewport: 'settings' });
const connected = { mode: 'live', from: '2026-12-08', to: '2026-12-08', merchant, topAffiliates: [] };

describe('the settings view', () => {
  it('shows a spinner while Tally answers', () => {
    mockTally('pending');
    expect(renderView(<AppSettings {...onSettings()} />).wrapper).toContainComponent(Spinner);
  });

  it('names the Tally merchant the account is connected to in this mode', async () => {
    mockTally({ status: 200, body: connected });
    const { wrapper, update } = renderView(<AppSettings {...onSettings('live')} />);
    await update();
    expect(wrapper).toContainText('In live mode this account is connected to the Tally merchant');
    expect(wrapper).toContainText('Lovelace Labs');
    expect(wrapper).toContainComponent(Link, { href: `${tallyUrl}/console/stripe?mode=live` });
  });

  it('links to connecting the account when no merchant has (a 404)', async () => {
    mockTally(notFound);
    const { wrapper, update } = renderView(<AppSettings {...onSettings()} />);
    await update();
    expect(wrapper).toContainComponent(Banner, { title: 'This Stripe account is not connected to Tally' });
    expect(wrapper).toContainComponent(Link, { href: `${tallyUrl}/console/stripe?mode=test` });
  });

  it("shows Tally's error", async () => {
    mockTally(serverError);
    const { wrapper, update } = renderView(<AppSettings {...onSettings()} />);
    await update();
    expect(wrapper).toContainComponent(Banner, { type: 'critical' });
  });
});
