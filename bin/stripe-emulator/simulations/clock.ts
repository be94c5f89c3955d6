import type Stripe from 'stripe';
import { endDueSubscriptions } from '../resources/subscriptions';
import type { EmulatorState } from '../state';
import type { EventRecorder } from './recorder';

/**
 * Moves the emulator's clock forward and does what falls due meanwhile: subscriptions whose
 * `cancel_at` has come end (`customer.subscription.deleted`). Renewals are not automatic: each is
 * simulated (`/_emulator/simulate/renewal`), which moves the clock to the period's end itself.
 */
export function advanceClock(state: EmulatorState, seconds: number, recorder: EventRecorder): { now: number; ended: Stripe.Subscription[] } {
  const now = state.advanceClock(seconds);
  return { now, ended: endDueSubscriptions(state, (scope) => recorder.in(scope)) };
}
