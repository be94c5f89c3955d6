import { caughtUpTo } from '../../../lambdas/history/catch-up-cursor';
import { faultDelaySeconds } from '../../../lambdas/history/queue';
import { importedEvent } from '../../../lambdas/history/sources';

describe('history job pieces', () => {
  it('waits longer after each slice Stripe stopped, never beyond SQS’s 15 minutes', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(faultDelaySeconds);
    expect(delays.slice(0, 4)).toEqual([0, 30, 60, 120]);
    expect(delays.every((delay, index) => index === 0 || delay >= (delays[index - 1] as number))).toBe(true);
    expect(Math.max(...delays)).toBe(900);
  });

  it('names an imported object’s event after the object, so importing it again is a duplicate', () => {
    const position = { kind: 'import', mode: 'live', accountId: 'acct_1', since: '2026-01-01T00:00:00.000Z' } as const;
    const invoice = { id: 'in_123', object: 'invoice' };
    const event = importedEvent(position, 'invoice.paid', invoice, 1_800_000_000);
    expect(event).toMatchObject({ id: 'evt_import_in_123_invoice_paid', type: 'invoice.paid', livemode: true, account: 'acct_1', created: 1_800_000_000, data: { object: invoice } });
    expect(importedEvent(position, 'invoice.paid', invoice, 1_900_000_000).id).toBe(event.id);
    expect(importedEvent(position, 'charge.refunded', { id: 'ch_1' }, 0).id).not.toBe(importedEvent(position, 'charge.succeeded', { id: 'ch_1' }, 0).id);
  });

  it('catches up from the cursor of the same merchant, else from when the connection began', () => {
    const claim = { merchantId: 'mer_a', connectedAt: '2026-12-01T00:00:00.000Z' };
    expect(caughtUpTo({ merchantId: 'mer_a', listedUpTo: '2026-12-05T00:00:00.000Z' }, claim)).toBe('2026-12-05T00:00:00.000Z');
    expect(caughtUpTo({ merchantId: 'mer_b', listedUpTo: '2026-12-05T00:00:00.000Z' }, claim)).toBe(claim.connectedAt);
    expect(caughtUpTo(undefined, claim)).toBe(claim.connectedAt);
  });
});
