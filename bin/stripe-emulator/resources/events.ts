import type Stripe from 'stripe';
import { invalidRequest, resourceMissing } from '../errors';
import { inRange } from '../form';
import { listObjects, readListParams } from '../list';
import { defineRoute, type RouteContext } from '../route';

/** Stripe keeps events for 30 days: older ones are neither listed nor retrievable. */
export const EVENT_RETENTION_SECONDS = 30 * 86_400;

const MAX_TYPES = 20;

/** The events recorded for an account, newest first, as `GET /v1/events` lists them. */
export const eventRoutes = [
  defineRoute({
    method: 'GET',
    path: '/v1/events/:id',
    accepts: [],
    returns: { type: 'event' },
    parse: () => undefined,
    run: (_input, ctx) => {
      const id = ctx.path.id as string;
      const event = ctx.state.store.collection(ctx.scope, 'event').get(id);
      if (!event || !retained(event, ctx)) throw resourceMissing('event', id);
      return withPendingWebhooks(event, ctx);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/events',
    accepts: ['limit', 'starting_after', 'ending_before', 'created', 'type', 'types', 'delivery_success'],
    returns: { type: 'event', list: true },
    parse: (params) => {
      const input = {
        list: readListParams(params),
        created: params.range('created'),
        type: params.string('type'),
        types: params.stringArray('types'),
        deliverySuccess: params.boolean('delivery_success'),
      };
      if (input.type !== undefined && input.types !== undefined) throw invalidRequest('You may pass either `type` or `types`, but not both.', { param: 'types' });
      if (input.types !== undefined && input.types.length > MAX_TYPES) throw invalidRequest(`\`types\` takes at most ${MAX_TYPES} event types.`, { param: 'types' });
      return input;
    },
    run: (input, ctx) => {
      const page = listObjects('event', ctx.state.store.collection(ctx.scope, 'event'), input.list, ctx.url, {
        filter: (event) =>
          retained(event, ctx) &&
          inRange(event.created, input.created) &&
          (input.type === undefined || matchesType(event.type, input.type)) &&
          (input.types === undefined || input.types.some((type) => matchesType(event.type, type))) &&
          (input.deliverySuccess === undefined || (pendingWebhooks(event, ctx) === 0) === input.deliverySuccess),
      });
      return { ...page, data: page.data.map((event) => withPendingWebhooks(event, ctx)) };
    },
  }),
];

function retained(event: Stripe.Event, ctx: RouteContext): boolean {
  return event.created > ctx.state.now() - EVENT_RETENTION_SECONDS;
}

/** Endpoints the event was addressed to that have not received it yet (pending, failing, or dropped). */
function pendingWebhooks(event: Stripe.Event, ctx: RouteContext): number {
  return Math.max(0, event.pending_webhooks - ctx.state.dispatcher.deliveredCount(event.id));
}

/** The event as Stripe shows it later: `pending_webhooks` counts down as endpoints receive it. */
function withPendingWebhooks(event: Stripe.Event, ctx: RouteContext): Stripe.Event {
  return { ...event, pending_webhooks: pendingWebhooks(event, ctx) };
}

/** `type` may end in `*` (`promotion_code.*`). */
function matchesType(type: string, pattern: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}
