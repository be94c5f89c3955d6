import * as z from 'zod';
import { invalidRequest } from '../errors';
import { currentPeriod, findSubscription, renewSubscription, type Billing } from '../resources/subscriptions';
import type { Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';
import { advanceClock } from './clock';
import type { EventRecorder } from './recorder';

export const renewalFields = {
  subscription: z.string().startsWith('sub_'),
  /** The card is declined: `invoice.payment_failed`, the subscription goes `past_due`. */
  fail: z.boolean().default(false),
};

/**
 * The subscription's current period ends and the next one is billed. The clock is moved to the end
 * of the current period first when it has not got there yet, so renewals can be run back to back.
 */
export function simulateRenewal(
  state: EmulatorState,
  scope: Scope,
  input: z.infer<z.ZodObject<typeof renewalFields>>,
  recorder: EventRecorder,
  emit: Emit,
): Billing {
  const subscription = findSubscription(state, scope, input.subscription, 'subscription', 400);
  const { end } = currentPeriod(subscription);
  // Refused before the clock moves, so a refusal changes nothing.
  if (subscription.status === 'canceled' || (subscription.cancel_at !== null && subscription.cancel_at <= end)) {
    throw invalidRequest(`Subscription ${subscription.id} has no next period to bill (status ${subscription.status}, cancel_at ${subscription.cancel_at}).`, {
      param: 'subscription',
    });
  }
  if (state.now() < end) advanceClock(state, end - state.now(), recorder);
  return renewSubscription(state, scope, subscription.id, !input.fail, emit);
}
