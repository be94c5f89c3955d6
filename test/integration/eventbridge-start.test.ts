import { localStripeEventSources } from '../../bin/local/eventbridge';
import { EmulatorControl } from '../../bin/stripe-emulator/client';
import { spawnLocalStack, type SpawnedStack } from '../support/spawn-stack';

/**
 * `npm start --eventbridge=test`: the emulator sends test mode's events to the local test bus from
 * the start, and live mode's still to the webhook. A stack of its own, so the shared one keeps its
 * webhooks.
 */

jest.setTimeout(180_000);

describe('npm start --eventbridge=test', () => {
  let started: SpawnedStack;
  let control: EmulatorControl;

  beforeAll(async () => {
    started = await spawnLocalStack({ logName: 'local-stack-eventbridge.log', args: ['--eventbridge=test'] });
    control = new EmulatorControl(started.description.emulatorUrl);
  });
  afterAll(() => started?.stop());

  it('points the emulator’s test mode at the local test bus and leaves live mode on the webhook', async () => {
    const { apiUrl } = started.description;

    expect((started.description as unknown as { stripeDelivery: unknown }).stripeDelivery).toEqual({ test: 'eventbridge', live: 'webhook' });
    expect(await control.eventDestination('test')).toMatchObject({
      type: 'eventbridge',
      url: `${apiUrl}/_local/events/stripe?mode=test`,
      source: localStripeEventSources.test,
    });
    expect(await control.eventDestination('live')).toEqual({ type: 'webhook' });
  });

  it('puts a test event on the test bus, which queues it for the consumer', async () => {
    const { event, deliveries } = await control.sendEvent({ mode: 'test' }, { type: 'charge.refunded', data: { object: { id: 'ch_start_flag', object: 'charge' } } });
    await control.waitForDeliveries(30_000);

    const [record] = await control.deliveries({ eventId: event.id });
    expect(deliveries.map((delivery) => delivery.destination)).toEqual(['eventbridge']);
    expect(record).toMatchObject({ destination: 'eventbridge', url: `${started.description.apiUrl}/_local/events/stripe?mode=test`, delivered: true, lastStatus: 202 });
  });
});
