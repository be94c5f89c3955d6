import type Stripe from 'stripe';
import { createEvent, deliverEvent } from '../events';
import type { Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';

/**
 * The events a simulation causes, in the order they happen. Each is recorded on its account (listable,
 * redeliverable) and, unless delivery is held back, sent to the webhook endpoints at once; held-back
 * events can be delivered later with `/_emulator/events/sequence` or `/_emulator/events/:id/redeliver`.
 */
export class EventRecorder {
  readonly events: Stripe.Event[] = [];

  constructor(
    private readonly state: EmulatorState,
    private readonly deliver: boolean,
  ) {}

  /** Events in `scope`, as a customer's or the merchant's action causes them (no API request). */
  in(scope: Scope): Emit {
    return (type, object, previousAttributes) => {
      const event = createEvent(this.state, scope, { type, object, ...(previousAttributes ? { previousAttributes } : {}) });
      this.events.push(event);
      if (this.deliver) deliverEvent(this.state, scope, event);
    };
  }
}
