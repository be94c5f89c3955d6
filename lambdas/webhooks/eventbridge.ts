import * as z from 'zod';
import { config } from '../core/config';
import { TallyError } from '../core/errors';
import { logger } from '../core/logger';
import { type Mode, modeOf, modes } from '../core/mode';
import { zodIssues } from '../core/validation';
import { applyEvent, envelope, type IntakeResult } from './intake';

/**
 * Stripe events from an Amazon EventBridge partner bus, as its rule's SQS target hands them on: the
 * message body is the EventBridge event, with the Stripe event in `detail`. They are not signed:
 * only Stripe can put events on its partner bus, so trust comes from the bus, and so does the mode.
 */

/** What no delivery can fix: the record fails until SQS moves it to the dead-letter queue. */
export class RefusedEvent extends TallyError {
  readonly status = 400;
  constructor(type: 'invalid_payload' | 'unknown_source' | 'mode_mismatch', message: string) {
    super(type, message);
  }
}

const busEventSchema = z.looseObject({
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  detail: z.unknown(),
});

const sources = (): Partial<Record<Mode, string>> => ({
  live: config().TALLY_STRIPE_EVENT_SOURCE_LIVE,
  test: config().TALLY_STRIPE_EVENT_SOURCE_TEST,
});

/** The mode of the bus whose partner source is `source`: each mode's destination has its own. */
const modeOfSource = (source: string): Mode => {
  const configured = sources();
  const mode = modes.find((candidate) => configured[candidate] === source);
  if (!mode) throw new RefusedEvent('unknown_source', `The event comes from ${source}, which is not a configured Stripe event source.`);
  return mode;
};

const parseBody = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    throw new RefusedEvent('invalid_payload', 'The message is not JSON.');
  }
};

/** Checks the EventBridge envelope, the Stripe event in it and its mode, then applies it exactly once. */
export const receiveBusEvent = async (body: string): Promise<IntakeResult> => {
  const parsed = busEventSchema.safeParse(parseBody(body));
  if (!parsed.success) {
    throw new RefusedEvent('invalid_payload', `The message is not an EventBridge event: ${JSON.stringify(zodIssues(parsed.error))}`);
  }
  const mode = modeOfSource(parsed.data.source);
  let event;
  try {
    event = envelope(parsed.data.detail);
  } catch {
    throw new RefusedEvent('invalid_payload', 'The EventBridge event does not carry a Stripe event in `detail`.');
  }
  if (event.type !== parsed.data['detail-type']) {
    throw new RefusedEvent('invalid_payload', `The detail-type ${parsed.data['detail-type']} is not the Stripe event's type ${event.type}.`);
  }
  if (modeOf(event.livemode) !== mode) {
    logger.warn('Stripe event on the partner bus of the other mode; refused', { stripeEventId: event.id, eventType: event.type, busMode: mode });
    throw new RefusedEvent('mode_mismatch', `The event says livemode ${String(event.livemode)}, but it came on the ${mode} mode bus.`);
  }
  return applyEvent(event, mode);
};
