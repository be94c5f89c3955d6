import * as z from 'zod';
import type { Mode } from './defaults';
import type { EventBridgeTarget } from './deliveries';

const PARTNER_SOURCE_PREFIX = 'aws.partner/stripe.com/';

export const eventDestinationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('webhook') }),
  z.object({
    type: z.literal('eventbridge'),
    /** Where the emulator POSTs what EventBridge would hand the rule's target (on `npm start`, Tally's `/_local/events/stripe?mode=…`). */
    url: z.url(),
    /** The partner event source Stripe creates for the destination, `aws.partner/stripe.com/ed_…`. */
    source: z.string().regex(/^aws\.partner\/stripe\.com\/ed_\w+$/, 'must be a Stripe partner event source, aws.partner/stripe.com/ed_…'),
    awsAccountId: z.string().regex(/^\d{12}$/).default('000000000000'),
    region: z.string().min(1).default('us-east-1'),
    /**
     * Only these connected accounts' events go this way, the rest of the mode's keep their webhooks:
     * tests that share one emulator switch their own accounts without rerouting the others'.
     */
    accounts: z.array(z.string().startsWith('acct_')).min(1).optional(),
  }),
]);

export type EventDestination = z.infer<typeof eventDestinationSchema>;
export type EventDestinationInput = z.input<typeof eventDestinationSchema>;

const WEBHOOK: EventDestination = { type: 'webhook' };

/**
 * How each mode's events leave the emulator: by webhook (to the endpoints registered for them), or
 * all of them — the platform's and its connected accounts' — to one Amazon EventBridge destination
 * instead, as a Stripe event destination of type Amazon EventBridge sends them.
 */
export class EventDestinations {
  private readonly initial: Record<Mode, EventDestination>;
  private current: Record<Mode, EventDestination>;

  constructor(initial: Partial<Record<Mode, EventDestinationInput>> = {}) {
    this.initial = {
      test: eventDestinationSchema.parse(initial.test ?? WEBHOOK),
      live: eventDestinationSchema.parse(initial.live ?? WEBHOOK),
    };
    this.current = { ...this.initial };
  }

  get(mode: Mode): EventDestination {
    return this.current[mode];
  }

  all(): Record<Mode, EventDestination> {
    return { ...this.current };
  }

  set(mode: Mode, destination: EventDestinationInput): EventDestination {
    this.current = { ...this.current, [mode]: eventDestinationSchema.parse(destination) };
    return this.current[mode];
  }

  /** Back to the start-up destinations. */
  reset(): void {
    this.current = { ...this.initial };
  }

  /** Where an event of the mode goes by EventBridge (`account` null for the platform's own), or null when it goes by webhook. */
  eventBridgeTarget(mode: Mode, account: string | null): EventBridgeTarget | null {
    const destination = this.current[mode];
    if (destination.type !== 'eventbridge') return null;
    if (destination.accounts && (account === null || !destination.accounts.includes(account))) return null;
    return {
      kind: 'eventbridge',
      endpointId: destination.source.slice(PARTNER_SOURCE_PREFIX.length),
      url: destination.url,
      source: destination.source,
      awsAccountId: destination.awsAccountId,
      region: destination.region,
    };
  }
}
