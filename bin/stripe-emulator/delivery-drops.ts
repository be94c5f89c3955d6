import * as z from 'zod';
import type { Mode } from './defaults';
import { seededRandom } from './faults';

export const dropRuleSchema = z.object({
  /** Drop the deliveries of at most this many events (the next N when `share` is 1); no limit if absent. */
  events: z.number().int().min(1).optional(),
  /** Share of matching events whose deliveries are dropped. */
  share: z.number().min(0).max(1).default(1),
  /** Makes the events picked by a `share` repeatable. */
  seed: z.number().int().optional(),
  account: z.string().optional(),
  mode: z.enum(['test', 'live']).optional(),
  /** Only events of these types (exact names). */
  types: z.array(z.string().min(1)).min(1).optional(),
});

export type DropRule = z.infer<typeof dropRuleSchema>;
export type DropRuleInput = z.input<typeof dropRuleSchema>;

export interface DroppedEvent {
  eventId: string;
  type: string;
  /** The connected account the event is about; null for the platform's own events. */
  account: string | null;
  mode: Mode;
}

export interface DropTarget {
  id: string;
  type: string;
  account: string | null;
  mode: Mode;
}

/**
 * Deliveries (webhook or EventBridge) lost on the way, as when an endpoint is down and Stripe gives
 * up: a dropped event is still recorded (listable with `GET /v1/events`, `pending_webhooks` above 0)
 * but no endpoint or destination is ever sent it, so a receiver can only recover it from the events list.
 */
export class DeliveryDrops {
  private rule: DropRule | null = null;
  private random: () => number = Math.random;
  private remaining = Infinity;
  private readonly droppedEvents: DroppedEvent[] = [];

  get current(): DropRule | null {
    return this.rule;
  }

  get dropped(): DroppedEvent[] {
    return this.droppedEvents;
  }

  set(rule: DropRuleInput): DropRule {
    this.rule = dropRuleSchema.parse(rule);
    this.random = this.rule.seed === undefined ? Math.random : seededRandom(this.rule.seed);
    this.remaining = this.rule.events ?? Infinity;
    return this.rule;
  }

  /** Stops dropping; the record of what was dropped stays until `clear()`. */
  stop(): void {
    this.rule = null;
  }

  clear(): void {
    this.rule = null;
    this.droppedEvents.length = 0;
  }

  /** True when the event's deliveries are to be dropped (and records it). */
  decide(event: DropTarget): boolean {
    const { rule } = this;
    if (!rule) return false;
    if (rule.account !== undefined && rule.account !== event.account) return false;
    if (rule.mode !== undefined && rule.mode !== event.mode) return false;
    if (rule.types !== undefined && !rule.types.includes(event.type)) return false;
    if (this.random() >= rule.share) return false;
    this.droppedEvents.push({ eventId: event.id, type: event.type, account: event.account, mode: event.mode });
    this.remaining -= 1;
    if (this.remaining === 0) this.rule = null;
    return true;
  }
}
