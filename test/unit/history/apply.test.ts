import type Stripe from 'stripe';
import { BusyError, RateLimitedError, ValidationError } from '../../../lambdas/core/errors';
import { applyConcurrency, applyItems } from '../../../lambdas/history/apply';
import { applyEvent } from '../../../lambdas/webhooks/intake';

jest.mock('../../../lambdas/webhooks/intake', () => ({ applyEvent: jest.fn() }));
const intake = jest.mocked(applyEvent);

const event = (id: string) => ({ id, type: 'invoice.paid' }) as Stripe.Event;
const item = (id: string, ...eventIds: string[]) => ({ id, events: eventIds.map(event) });
const answer = (status: 'processed' | 'ignored' | 'duplicate') => ({ status, outcome: status });
const later = () => Date.now() + 60_000;

describe('applying a history page through the intake', () => {
  afterEach(() => intake.mockReset());

  /** The intake answers by event ID, whatever order the events are applied in. */
  const answers = (byId: Record<string, ReturnType<typeof answer> | Error>) =>
    intake.mockImplementation(async (applied) => {
      const found = byId[applied.id];
      if (found === undefined) throw new Error(`unexpected event ${applied.id}`);
      if (found instanceof Error) throw found;
      return found;
    });

  it('counts each event by the intake’s answer and each item as listed once', async () => {
    answers({ evt_a: answer('processed'), evt_b: answer('duplicate'), evt_c: answer('ignored') });
    const outcome = await applyItems([item('ch_1', 'evt_a', 'evt_b'), item('in_1', 'evt_c'), item('ch_2')], 'test', later());
    expect(outcome).toEqual({ counts: { listed: 3, processed: 1, duplicates: 1, ignored: 1, failed: 0 }, done: 3 });
    expect(intake.mock.calls.map(([applied, mode]) => [applied.id, mode]).sort()).toEqual([['evt_a', 'test'], ['evt_b', 'test'], ['evt_c', 'test']]);
    // An item's own events go in order.
    const order = intake.mock.calls.map(([applied]) => applied.id);
    expect(order.indexOf('evt_a')).toBeLessThan(order.indexOf('evt_b'));
  });

  it('counts an event no delivery can apply as failed and goes on', async () => {
    answers({ evt_a: new ValidationError('The invoice is malformed.'), evt_b: answer('processed') });
    const outcome = await applyItems([item('in_1', 'evt_a'), item('in_2', 'evt_b')], 'live', later());
    expect(outcome).toEqual({ counts: { listed: 2, processed: 1, duplicates: 0, ignored: 0, failed: 1 }, done: 2 });
  });

  it('stops at a fault, counting only the items before the first one not applied in full', async () => {
    answers({ evt_a: answer('processed'), evt_b: answer('processed'), evt_c: new RateLimitedError('Stripe is rate limiting; retry later.'), evt_d: answer('processed') });
    const outcome = await applyItems([item('in_1', 'evt_a'), item('ch_1', 'evt_b', 'evt_c'), item('in_2', 'evt_d')], 'test', later());
    // in_2 may have been applied beside ch_1: it is not counted, and answers as a duplicate next time.
    expect(outcome).toEqual({ counts: { listed: 1, processed: 1, duplicates: 0, ignored: 0, failed: 0 }, done: 1, fault: 'Stripe is rate limiting; retry later.' });
  });

  it('applies a long page a few items at a time, not one by one nor all at once', async () => {
    let running = 0;
    let most = 0;
    intake.mockImplementation(async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      return answer('processed');
    });
    const page = Array.from({ length: 40 }, (_, index) => item(`in_${index}`, `evt_${index}`));
    expect((await applyItems(page, 'test', later())).done).toBe(40);
    expect(most).toBe(applyConcurrency);
  });

  it('treats contention as a fault too, and lets any other error go up for the message to be received again', async () => {
    intake.mockRejectedValueOnce(new BusyError());
    expect((await applyItems([item('in_1', 'evt_a')], 'test', later())).fault).toBeDefined();
    intake.mockRejectedValueOnce(new Error('DynamoDB is unreachable'));
    await expect(applyItems([item('in_1', 'evt_a')], 'test', later())).rejects.toThrow('DynamoDB is unreachable');
  });

  it('leaves the rest of the page to the next slice once its time is up', async () => {
    const outcome = await applyItems([item('in_1', 'evt_a')], 'test', Date.now() - 1);
    expect(outcome).toEqual({ counts: { listed: 0, processed: 0, duplicates: 0, ignored: 0, failed: 0 }, done: 0 });
    expect(intake).not.toHaveBeenCalled();
  });
});
