import type Stripe from 'stripe';
import { EMULATOR_API_VERSION } from './defaults';
import type { DeliveryRecord, DeliveryTarget, WebhookTarget } from './deliveries';
import { newId } from './ids';
import type { RequestRef } from './route';
import type { EmulatorState } from './state';
import type { Scope } from './store';

export interface EventInput {
  type: string;
  object: object;
  previousAttributes?: object;
  request?: RequestRef;
  /** Given payloads may bring their own id and creation time (to replay a known event). */
  id?: string;
  created?: number;
}

export interface DeliveryOptions {
  /** Deliver the event this many times to each endpoint or destination (Stripe's at-least-once delivery). */
  times?: number;
  /** Send the copies at once instead of one after the other. */
  concurrent?: boolean;
  /** An explicit resend: delivered even while `/_emulator/deliveries/drops` drops events. */
  ignoreDrops?: boolean;
}

const NO_REQUEST: RequestRef = { id: null, idempotency_key: null };

/**
 * Where an event in `scope` goes: the mode's EventBridge destination when it has one (for the
 * platform's events and its connected accounts'), else the account's own webhook endpoints plus the
 * platform's Connect endpoints for a connected account.
 */
export function deliveryTargets(state: EmulatorState, scope: Scope, type: string): DeliveryTarget[] {
  const platformId = state.credentials.platformAccountId;
  const connected = scope.account !== platformId && state.accounts.isKnown(scope.mode, scope.account);
  if (scope.account === platformId || connected) {
    const eventBridge = state.eventDestinations.eventBridgeTarget(scope.mode, connected ? scope.account : null);
    if (eventBridge) return [eventBridge];
  }
  const wanted: Array<{ scope: Scope; connect: boolean }> = [{ scope, connect: false }];
  if (connected) wanted.push({ scope: { mode: scope.mode, account: platformId }, connect: true });
  const targets: WebhookTarget[] = [];
  for (const { scope: endpointScope, connect } of wanted) {
    for (const endpoint of state.store.collection(endpointScope, 'webhook_endpoint').all()) {
      const settings = state.webhookSettings.get(endpoint.id);
      if (!settings || settings.connect !== connect || endpoint.status !== 'enabled') continue;
      if (!endpoint.enabled_events.includes('*') && !endpoint.enabled_events.includes(type)) continue;
      targets.push({ kind: 'webhook', endpointId: endpoint.id, url: endpoint.url, secret: settings.secret });
    }
  }
  return targets;
}

/** Records an event in `scope` (listable with `GET /v1/events`) without delivering it. */
export function createEvent(state: EmulatorState, scope: Scope, input: EventInput): Stripe.Event {
  const connected = scope.account !== state.credentials.platformAccountId;
  const base: Stripe.EventBase = {
    id: input.id ?? newId('evt'),
    object: 'event',
    ...(connected ? { account: scope.account } : {}),
    api_version: EMULATOR_API_VERSION,
    created: input.created ?? state.now(),
    data: {
      object: structuredClone(input.object),
      ...(input.previousAttributes ? { previous_attributes: structuredClone(input.previousAttributes) } : {}),
    },
    livemode: scope.mode === 'live',
    pending_webhooks: deliveryTargets(state, scope, input.type).length,
    request: input.request ?? NO_REQUEST,
    type: input.type as Stripe.Event.Type,
  };
  // Stripe.Event is the union of every typed event; `base` has the shape they all share.
  const event = base as Stripe.Event;
  const events = state.store.collection(scope, 'event');
  if (!events.get(event.id)) events.insert(event);
  return event;
}

/** Sends an event to every endpoint (signed) or destination it is addressed to, unless its deliveries are being dropped. */
export function deliverEvent(state: EmulatorState, scope: Scope, event: Stripe.Event, options: DeliveryOptions = {}): DeliveryRecord[] {
  if (!options.ignoreDrops && state.deliveryDrops.decide({ id: event.id, type: event.type, account: event.account ?? null, mode: scope.mode })) return [];
  const payload = JSON.stringify(event, null, 2);
  const envelope = { id: event.id, type: event.type, account: event.account ?? null, mode: scope.mode, event, payload };
  const records: DeliveryRecord[] = [];
  for (const target of deliveryTargets(state, scope, event.type)) {
    for (let copy = 0; copy < (options.times ?? 1); copy += 1) {
      records.push(state.dispatcher.dispatch(envelope, target, { concurrent: options.concurrent ?? false }));
    }
  }
  return records;
}

export function emitEvent(state: EmulatorState, scope: Scope, input: EventInput): Stripe.Event {
  const event = createEvent(state, scope, input);
  deliverEvent(state, scope, event);
  return event;
}

/**
 * Stripe's `previous_attributes`: the old values of the fields an update changed. Inside hashes such
 * as `metadata` only the changed keys appear, with `null` for keys the update added.
 */
export function previousAttributes(before: object, after: object): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  const old = before as Record<string, unknown>;
  const now = after as Record<string, unknown>;
  for (const key of new Set([...Object.keys(old), ...Object.keys(now)])) {
    const was = old[key];
    const is = now[key];
    if (JSON.stringify(was) === JSON.stringify(is)) continue;
    if (isHash(was) && isHash(is)) {
      previous[key] = Object.fromEntries(
        [...new Set([...Object.keys(was), ...Object.keys(is)])]
          .filter((inner) => JSON.stringify(was[inner]) !== JSON.stringify(is[inner]))
          .map((inner) => [inner, was[inner] ?? null]),
      );
    } else {
      previous[key] = was ?? null;
    }
  }
  return previous;
}

function isHash(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
