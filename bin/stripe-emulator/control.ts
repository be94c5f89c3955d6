import type { IncomingMessage, ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import * as z from 'zod';
import type { ApiPipeline } from './api';
import { signAppRequest } from './app-signing';
import { configPatchSchema } from './config';
import type { Mode } from './defaults';
import { dropRuleSchema } from './delivery-drops';
import { eventDestinationSchema } from './event-destinations';
import { ApiError } from './errors';
import { createEvent, deliverEvent, emitEvent, type EventInput } from './events';
import { sendJson } from './http';
import { deauthorizeAccount } from './oauth';
import { deleteCoupon } from './resources/coupons';
import { updatePromotionCode } from './resources/promotion-codes';
import { createWebhookEndpoint } from './resources/webhook-endpoints';
import { Router, type RouteContext } from './route';
import { advanceClock } from './simulations/clock';
import { simulationRoutes } from './simulations';
import { EventRecorder } from './simulations/recorder';
import type { EmulatorState } from './state';
import type { Scope } from './store';

/**
 * `/_emulator/…`: the emulator's own JSON API for tests, benchmarks and the local stack. It is not
 * Stripe's: no authentication, no rate limits, no faults, not in the request log.
 */

const modeSchema = z.enum(['test', 'live']);
const deliveryOptions = { times: z.number().int().min(1).max(100).default(1), concurrent: z.boolean().default(false) };
const eventPayload = z.object({
  type: z.string().min(1),
  data: z.object({ object: z.record(z.string(), z.unknown()), previous_attributes: z.record(z.string(), z.unknown()).optional() }),
  id: z.string().optional(),
  created: z.number().int().optional(),
});

const schemas = {
  reset: z.object({ keepWebhookEndpoints: z.boolean().optional() }),
  clock: z.object({ advanceSeconds: z.number().int().min(0), deliver: z.boolean().default(true) }),
  appSignature: z.object({ user_id: z.string().min(1), account_id: z.string().min(1), timestamp: z.number().int().optional() }),
  account: z.object({ mode: modeSchema.default('test') }),
  plan: z.object({ outcome: z.enum(['approve', 'deny']), accountId: z.string().optional() }),
  scoped: z.object({ mode: modeSchema.optional() }),
  endpoint: z.object({
    mode: modeSchema.default('test'),
    account: z.string().optional(),
    url: z.string().url(),
    connect: z.boolean().default(false),
    enabledEvents: z.array(z.string()).min(1).default(['*']),
    secret: z.string().startsWith('whsec_').optional(),
    apiVersion: z.string().optional(),
  }),
  seed: z.object({
    mode: modeSchema.optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    items: z.array(z.record(z.string(), z.unknown())).optional(),
    events: z.boolean().default(false),
  }),
  event: eventPayload.extend({ mode: modeSchema.optional(), account: z.string().optional(), ...deliveryOptions }),
  redeliver: z.object({ mode: modeSchema.optional(), account: z.string().optional(), ...deliveryOptions }),
  sequence: z.object({
    mode: modeSchema.optional(),
    account: z.string().optional(),
    events: z.array(eventPayload).min(1),
    order: z.enum(['given', 'shuffled']).default('given'),
    seed: z.number().int().optional(),
  }),
};

interface ControlRequest {
  body: unknown;
  query: URLSearchParams;
  params: Record<string, string>;
}

export interface ControlRoute {
  method: string;
  path: string;
  handle(request: ControlRequest): unknown;
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const optionalNumber = (value: string | null) => (value === null ? undefined : Number(value));
const optionalBoolean = (value: string | null) => (value === null ? undefined : value === 'true');

/** Fisher–Yates with a seeded generator, so a shuffled delivery order can be reproduced. */
function shuffle<T>(items: T[], seed: number): T[] {
  const result = [...items];
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  for (let i = result.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

export class ControlApi {
  private readonly router: Router<ControlRoute>;

  constructor(
    private readonly state: EmulatorState,
    private readonly api: ApiPipeline,
  ) {
    this.router = new Router(this.routes());
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
    const match = this.router.match((req.method ?? 'GET').toUpperCase(), url.pathname);
    if (!match) return sendJson(res, 404, { error: { type: 'not_found', message: `No control route ${req.method} ${url.pathname}` } });
    try {
      const parsed: unknown = body ? JSON.parse(body) : {};
      const result = await match.route.handle({ body: parsed, query: url.searchParams, params: match.params });
      sendJson(res, 200, result ?? { ok: true });
    } catch (error) {
      if (error instanceof z.ZodError) return sendJson(res, 400, { error: { type: 'invalid_request', message: 'Invalid body', issues: error.issues } });
      if (error instanceof SyntaxError) return sendJson(res, 400, { error: { type: 'invalid_request', message: error.message } });
      if (error instanceof ControlError) return sendJson(res, error.status, { error: { type: 'control_error', message: error.message } });
      // A simulation refused by the resource itself answers with Stripe's own error body.
      if (error instanceof ApiError) return sendJson(res, error.status, error.payload);
      throw error;
    }
  }

  /** A connected account's own mode; the platform (no `account`) in the given mode, test by default. */
  private scope(account: string | undefined, mode: Mode | undefined): Scope {
    const platformId = this.state.credentials.platformAccountId;
    if (!account || account === platformId) return { mode: mode ?? 'test', account: platformId };
    const connected = this.state.accounts.get(account);
    if (!connected) throw new ControlError(404, `No such account: ${account}`);
    if (mode && mode !== connected.mode) throw new ControlError(400, `${account} exists in ${connected.mode} mode only`);
    return { mode: connected.mode, account };
  }

  /** Dashboard actions cause events without an API request. */
  private dashboardEmitter(scope: Scope, emitted: Stripe.Event[]): RouteContext['emit'] {
    return (type, object, previousAttributes) => {
      emitted.push(emitEvent(this.state, scope, { type, object, ...(previousAttributes ? { previousAttributes } : {}) }));
    };
  }

  private routes(): ControlRoute[] {
    const { state } = this;
    return [
      {
        method: 'POST',
        path: '/_emulator/reset',
        handle: ({ body }) => {
          state.reset(schemas.reset.parse(body));
          return { ok: true };
        },
      },
      { method: 'GET', path: '/_emulator/config', handle: () => state.config },
      { method: 'PATCH', path: '/_emulator/config', handle: ({ body }) => state.configure(configPatchSchema.parse(body)) },
      { method: 'GET', path: '/_emulator/clock', handle: () => ({ now: state.now() }) },
      {
        method: 'POST',
        path: '/_emulator/clock',
        handle: ({ body }) => {
          const input = schemas.clock.parse(body);
          const recorder = new EventRecorder(state, input.deliver);
          const { now } = advanceClock(state, input.advanceSeconds, recorder);
          return { now, events: recorder.events };
        },
      },
      {
        method: 'GET',
        path: '/_emulator/requests',
        handle: ({ query }) => {
          const data = state.requestLog.query({
            account: query.get('account') ?? undefined,
            method: query.get('method') ?? undefined,
            path: query.get('path') ?? undefined,
            pathPrefix: query.get('pathPrefix') ?? undefined,
            mode: modeSchema.optional().parse(query.get('mode') ?? undefined),
            status: optionalNumber(query.get('status')),
            faulted: z.enum(['429', '500', 'timeout', 'any', 'none']).optional().parse(query.get('faulted') ?? undefined),
            sinceSeq: optionalNumber(query.get('sinceSeq')),
          });
          return query.get('countOnly') === 'true' ? { count: data.length } : { count: data.length, data };
        },
      },
      {
        method: 'DELETE',
        path: '/_emulator/requests',
        handle: () => {
          state.requestLog.clear();
          return { ok: true };
        },
      },
      {
        method: 'GET',
        path: '/_emulator/deliveries',
        handle: ({ query }) => {
          const data = state.dispatcher.list({
            pending: optionalBoolean(query.get('pending')),
            delivered: optionalBoolean(query.get('delivered')),
            eventId: query.get('eventId') ?? undefined,
            type: query.get('type') ?? undefined,
            account: query.get('account') ?? undefined,
            destination: z.enum(['webhook', 'eventbridge']).optional().parse(query.get('destination') ?? undefined),
            endpointId: query.get('endpointId') ?? undefined,
          });
          return { count: data.length, pending: state.dispatcher.pendingCount, data };
        },
      },
      {
        method: 'GET',
        path: '/_emulator/deliveries/wait',
        handle: async ({ query }) => {
          const idle = await state.dispatcher.waitForIdle(optionalNumber(query.get('timeoutMs')) ?? 10_000);
          if (!idle) throw new ControlError(408, `deliveries still pending: ${state.dispatcher.pendingCount}`);
          return { idle };
        },
      },
      {
        method: 'GET',
        path: '/_emulator/deliveries/drops',
        handle: () => ({ rule: state.deliveryDrops.current, dropped: state.deliveryDrops.dropped }),
      },
      {
        method: 'PUT',
        path: '/_emulator/deliveries/drops',
        handle: ({ body }) => ({ rule: state.deliveryDrops.set(dropRuleSchema.parse(body)), dropped: state.deliveryDrops.dropped }),
      },
      {
        method: 'DELETE',
        path: '/_emulator/deliveries/drops',
        handle: () => {
          state.deliveryDrops.stop();
          return { rule: null, dropped: state.deliveryDrops.dropped };
        },
      },
      { method: 'GET', path: '/_emulator/event-destinations', handle: () => state.eventDestinations.all() },
      {
        method: 'GET',
        path: '/_emulator/event-destinations/:mode',
        handle: ({ params }) => state.eventDestinations.get(modeSchema.parse(params.mode)),
      },
      {
        method: 'PUT',
        path: '/_emulator/event-destinations/:mode',
        handle: ({ params, body }) => state.eventDestinations.set(modeSchema.parse(params.mode), eventDestinationSchema.parse(body)),
      },
      {
        method: 'GET',
        path: '/_emulator/accounts',
        handle: ({ query }) => ({ data: state.accounts.list(modeSchema.optional().parse(query.get('mode') ?? undefined)) }),
      },
      { method: 'POST', path: '/_emulator/accounts', handle: ({ body }) => state.accounts.create(schemas.account.parse(body).mode, state.now()) },
      {
        method: 'POST',
        path: '/_emulator/accounts/:account/deauthorize',
        handle: ({ params }) => {
          const account = state.accounts.get(params.account as string);
          if (!account) throw new ControlError(404, `No such account: ${params.account}`);
          if (account.status !== 'connected') throw new ControlError(409, `${account.id} is not connected`);
          deauthorizeAccount(state, account);
          return account;
        },
      },
      {
        method: 'POST',
        path: '/_emulator/accounts/:account/promotion_codes/:id/deactivate',
        handle: ({ params, body }) => {
          const scope = this.scope(params.account, schemas.scoped.parse(body).mode);
          const events: Stripe.Event[] = [];
          const promotionCode = updatePromotionCode(state, scope, params.id as string, { active: false }, this.dashboardEmitter(scope, events));
          return { promotionCode, events };
        },
      },
      {
        method: 'POST',
        path: '/_emulator/accounts/:account/coupons/:id/delete',
        handle: ({ params, body }) => {
          const scope = this.scope(params.account, schemas.scoped.parse(body).mode);
          const events: Stripe.Event[] = [];
          const coupon = deleteCoupon(state, scope, params.id as string, this.dashboardEmitter(scope, events));
          return { coupon, events };
        },
      },
      {
        method: 'POST',
        path: '/_emulator/accounts/:account/:resource',
        handle: ({ params, body }) => {
          const input = schemas.seed.parse(body);
          const scope = this.scope(params.account, input.mode);
          const items = input.items ?? (input.params ? [input.params] : []);
          return { data: items.map((item) => this.api.seed(scope, params.resource as string, item, input.events)) };
        },
      },
      ...simulationRoutes(state, (account, mode) => this.scope(account, mode)),
      {
        method: 'POST',
        path: '/_emulator/apps/sign',
        handle: ({ body }) => {
          const input = schemas.appSignature.parse(body);
          return signAppRequest(state.credentials.appSigningSecret, input.user_id, input.account_id, input.timestamp);
        },
      },
      {
        method: 'POST',
        path: '/_emulator/oauth/plan',
        handle: ({ body }) => {
          const planned = schemas.plan.parse(body);
          state.oauth.plan({ outcome: planned.outcome, ...(planned.accountId ? { accountId: planned.accountId } : {}) });
          return { ok: true };
        },
      },
      {
        method: 'GET',
        path: '/_emulator/webhook-endpoints',
        handle: ({ query }) => {
          const scope = this.scope(query.get('account') ?? undefined, modeSchema.optional().parse(query.get('mode') ?? undefined));
          const data = [...state.store.collection(scope, 'webhook_endpoint').all()].map((endpoint) => ({
            ...endpoint,
            ...state.webhookSettings.get(endpoint.id),
          }));
          return { data };
        },
      },
      {
        method: 'POST',
        path: '/_emulator/webhook-endpoints',
        handle: ({ body }) => {
          const input = schemas.endpoint.parse(body);
          return createWebhookEndpoint(state, this.scope(input.account, input.mode), {
            url: input.url,
            enabledEvents: input.enabledEvents,
            apiVersion: input.apiVersion ?? null,
            connect: input.connect,
            description: null,
            metadata: {},
            ...(input.secret ? { secret: input.secret } : {}),
          });
        },
      },
      {
        method: 'POST',
        path: '/_emulator/events',
        handle: ({ body }) => {
          const input = schemas.event.parse(body);
          const scope = this.scope(input.account, input.mode);
          const event = createEvent(state, scope, eventInput(input));
          return { event, deliveries: deliverEvent(state, scope, event, input) };
        },
      },
      {
        method: 'POST',
        path: '/_emulator/events/sequence',
        handle: ({ body }) => {
          const input = schemas.sequence.parse(body);
          const scope = this.scope(input.account, input.mode);
          const events = input.events.map((payload) => createEvent(state, scope, eventInput(payload)));
          const ordered = input.order === 'shuffled' ? shuffle(events, input.seed ?? Date.now()) : events;
          for (const event of ordered) deliverEvent(state, scope, event);
          return { events: ordered };
        },
      },
      {
        method: 'POST',
        path: '/_emulator/events/:id/redeliver',
        handle: ({ params, body }) => {
          const input = schemas.redeliver.parse(body);
          const scope = this.scope(input.account, input.mode);
          const event = state.store.collection(scope, 'event').get(params.id as string);
          if (!event) throw new ControlError(404, `No such event in ${scope.mode} mode of ${scope.account}: ${params.id}`);
          return { deliveries: deliverEvent(state, scope, event, { ...input, ignoreDrops: true }) };
        },
      },
    ];
  }
}

function eventInput(payload: z.infer<typeof eventPayload>): EventInput {
  return {
    type: payload.type,
    object: payload.data.object,
    ...(payload.data.previous_attributes ? { previousAttributes: payload.data.previous_attributes } : {}),
    ...(payload.id ? { id: payload.id } : {}),
    ...(payload.created ? { created: payload.created } : {}),
  };
}
