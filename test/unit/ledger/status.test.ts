import { statusAt } from '../../../lambdas/ledger/status';

const now = new Date('2026-02-01T00:00:00Z');

describe('commission status', () => {
  it('is pending during the hold period and approved once it has run', () => {
    expect(statusAt({ state: 'open', holdDays: 30, availableAt: '2026-02-01T00:00:01.000Z' }, now)).toBe('pending');
    expect(statusAt({ state: 'open', holdDays: 30, availableAt: '2026-02-01T00:00:00.000Z' }, now)).toBe('approved');
  });

  it('approves at once with a hold of zero days', () => {
    expect(statusAt({ state: 'open', holdDays: 0, availableAt: '2027-01-01T00:00:00.000Z' }, now)).toBe('approved');
  });

  it.each(['held', 'reversed', 'paid'] as const)('shows a %s commission as it is, whatever the hold', (state) => {
    expect(statusAt({ state, holdDays: 30, availableAt: '2027-01-01T00:00:00.000Z' }, now)).toBe(state);
  });
});
