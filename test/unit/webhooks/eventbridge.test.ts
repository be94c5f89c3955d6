import { RefusedEvent, receiveBusEvent } from '../../../lambdas/webhooks/eventbridge';

const testSource = 'aws.partner/stripe.com/ed_test_unit';
process.env.TALLY_STRIPE_EVENT_SOURCE_TEST = testSource;

const stripeEvent = { id: 'evt_1', object: 'event', type: 'charge.refunded', created: 1_700_000_000, livemode: false, account: 'acct_1', data: { object: { id: 'ch_1' } } };
const busMessage = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({ version: '0', id: 'eb-1', 'detail-type': 'charge.refunded', source: testSource, detail: stripeEvent, ...overrides });

const refusal = (body: string) => receiveBusEvent(body).then(() => undefined, (error: unknown) => error);

describe('receiveBusEvent', () => {
  it('refuses an event whose livemode is not the mode of its bus', async () => {
    const error = await refusal(busMessage({ detail: { ...stripeEvent, livemode: true } }));
    expect(error).toBeInstanceOf(RefusedEvent);
    expect(error).toMatchObject({ type: 'mode_mismatch' });
  });

  it('refuses an event from a source that is no configured destination, or from none', async () => {
    await expect(refusal(busMessage({ source: 'aws.partner/stripe.com/ed_other' }))).resolves.toMatchObject({ type: 'unknown_source' });
    await expect(refusal(busMessage({ source: undefined }))).resolves.toMatchObject({ type: 'invalid_payload' });
  });

  it('refuses a message that is not JSON, a detail that is not a Stripe event, and a detail-type that is not its type', async () => {
    await expect(refusal('not json')).resolves.toMatchObject({ type: 'invalid_payload' });
    await expect(refusal(busMessage({ detail: { id: 'nope' } }))).resolves.toMatchObject({ type: 'invalid_payload' });
    await expect(refusal(busMessage({ 'detail-type': 'charge.succeeded' }))).resolves.toMatchObject({ type: 'invalid_payload' });
  });
});
