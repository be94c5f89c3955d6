import type Stripe from 'stripe';
import type { AccountClaim } from '../../../lambdas/connect/connection';
import { Transaction } from '../../../lambdas/store/transaction';
import { accountApplicationDeauthorized } from '../../../lambdas/webhooks/events/account-application-deauthorized';
import type { EventContext } from '../../../lambdas/webhooks/types';

process.env.TALLY_TABLE_NAME = 'tally-test';

const connectedAt = '2030-01-01T00:00:10.400Z';
const seconds = (iso: string) => Date.parse(iso) / 1000;

const deauthorize = async (created: number, previousDisconnectedAt?: string) => {
  const claim: AccountClaim = {
    merchantId: 'mer_1',
    mode: 'test',
    accountId: 'acct_1',
    status: 'connected',
    connectedAt,
    ...(previousDisconnectedAt ? { previousDisconnectedAt } : {}),
  };
  const transaction = new Transaction();
  const context: EventContext = {
    merchantId: 'mer_1',
    mode: 'test',
    accountId: 'acct_1',
    claim,
    transaction,
    read: async () => {
      throw new Error('not read');
    },
  };
  const event = { id: 'evt_1', type: 'account.application.deauthorized', created, account: 'acct_1' } as Stripe.AccountApplicationDeauthorizedEvent;
  return { outcome: await accountApplicationDeauthorized(event, context), writes: transaction.size };
};

describe('account.application.deauthorized', () => {
  it('ends the connection when Stripe deauthorized after it was made', async () => {
    expect(await deauthorize(seconds('2030-01-01T00:00:11.000Z'))).toEqual({ outcome: 'connection ended', writes: 2 });
    expect(await deauthorize(seconds('2030-01-01T00:00:11.000Z'), '2030-01-01T00:00:10.200Z')).toEqual({ outcome: 'connection ended', writes: 2 });
  });

  it('ends a first connection on a deauthorization in its very second (removed at once in the dashboard)', async () => {
    expect(await deauthorize(seconds('2030-01-01T00:00:10.000Z'))).toEqual({ outcome: 'connection ended', writes: 2 });
  });

  it.each([
    ['an hour before the connection', seconds('2029-12-31T23:00:10.000Z'), undefined],
    ['a second that ended before the connection', seconds('2030-01-01T00:00:09.000Z'), undefined],
    // A disconnect at 10.2 s and a reconnect at 10.4 s: Stripe dates the first one's deauthorization 10 s.
    ['the second the previous connection ended in, when it was reconnected within it', seconds('2030-01-01T00:00:10.000Z'), '2030-01-01T00:00:10.200Z'],
  ])('leaves the current connection alone for a deauthorization from %s', async (_case, created, previousDisconnectedAt) => {
    expect(await deauthorize(created, previousDisconnectedAt)).toEqual({
      outcome: 'ignored: the deauthorization is older than the current connection',
      writes: 0,
    });
  });
});
