import type Stripe from 'stripe';
import { invalidParam, resourceMissing } from '../errors';
import { applyMetadata, type MetadataUpdate, type Params } from '../form';
import { newId, randomString } from '../ids';
import { listObjects, readListParams } from '../list';
import { defineRoute, type RouteContext } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';

export interface WebhookEndpointInput {
  url: string;
  enabledEvents: string[];
  apiVersion: string | null;
  connect: boolean;
  description: string | null;
  metadata: Record<string, string>;
  /** Only for endpoints registered by the emulator's owner (start-up options, control API); the API always generates one. */
  secret?: string;
}

function readUrl(params: Params, required: boolean): string | undefined {
  const url = params.string('url', { required });
  if (url === undefined) return undefined;
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  // Stripe insists on https in live mode; local stacks listen on plain http, so the emulator takes both.
  if (protocol !== 'http:' && protocol !== 'https:') throw invalidParam(`Invalid URL: ${url}`, 'url');
  return url;
}

function readEnabledEvents(params: Params, required: boolean): string[] | undefined {
  const events = params.stringArray('enabled_events');
  if (events === undefined && !required) return undefined;
  if (!events || events.length === 0) throw invalidParam('Missing required param: enabled_events.', 'enabled_events', 'parameter_missing');
  return events;
}

export function createWebhookEndpoint(state: EmulatorState, scope: Scope, input: WebhookEndpointInput): Stripe.WebhookEndpoint {
  const endpoint: Stripe.WebhookEndpoint = {
    id: newId('we'),
    object: 'webhook_endpoint',
    api_version: input.apiVersion,
    application: null,
    created: state.now(),
    description: input.description,
    enabled_events: input.enabledEvents,
    livemode: scope.mode === 'live',
    metadata: input.metadata,
    status: 'enabled',
    url: input.url,
  };
  state.store.collection(scope, 'webhook_endpoint').insert(endpoint);
  const secret = input.secret ?? `whsec_${randomString(32)}`;
  state.webhookSettings.set(endpoint.id, { secret, connect: input.connect });
  // The secret is shown once, in the creation response.
  return { ...endpoint, secret };
}

function findEndpoint(ctx: RouteContext): Stripe.WebhookEndpoint {
  const id = ctx.path.id as string;
  const endpoint = ctx.state.store.collection(ctx.scope, 'webhook_endpoint').get(id);
  if (!endpoint) throw resourceMissing('webhook endpoint', id);
  return endpoint;
}

interface EndpointUpdate {
  url?: string;
  enabledEvents?: string[];
  description?: string;
  disabled?: boolean;
  metadata?: MetadataUpdate;
}

export const webhookEndpointRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/webhook_endpoints',
    accepts: ['url', 'enabled_events', 'api_version', 'connect', 'description', 'metadata'],
    returns: { type: 'webhook_endpoint' },
    parse: (params): WebhookEndpointInput => ({
      url: readUrl(params, true) as string,
      enabledEvents: readEnabledEvents(params, true) as string[],
      apiVersion: params.string('api_version') ?? null,
      connect: params.boolean('connect') ?? false,
      description: params.string('description', { allowEmpty: true }) || null,
      metadata: applyMetadata({}, params.metadata()),
    }),
    run: (input, ctx) => createWebhookEndpoint(ctx.state, ctx.scope, input),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/webhook_endpoints/:id',
    accepts: [],
    returns: { type: 'webhook_endpoint' },
    parse: () => undefined,
    run: (_input, ctx) => findEndpoint(ctx),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/webhook_endpoints/:id',
    accepts: ['url', 'enabled_events', 'description', 'disabled', 'metadata'],
    returns: { type: 'webhook_endpoint' },
    parse: (params): EndpointUpdate => {
      const update: EndpointUpdate = {};
      const url = readUrl(params, false);
      const enabledEvents = readEnabledEvents(params, false);
      const description = params.string('description', { allowEmpty: true });
      const disabled = params.boolean('disabled');
      const metadata = params.metadata();
      if (url !== undefined) update.url = url;
      if (enabledEvents !== undefined) update.enabledEvents = enabledEvents;
      if (description !== undefined) update.description = description;
      if (disabled !== undefined) update.disabled = disabled;
      if (metadata !== undefined) update.metadata = metadata;
      return update;
    },
    run: (update, ctx) => {
      const before = findEndpoint(ctx);
      const after: Stripe.WebhookEndpoint = {
        ...before,
        url: update.url ?? before.url,
        enabled_events: update.enabledEvents ?? before.enabled_events,
        description: update.description === undefined ? before.description : update.description || null,
        status: update.disabled === undefined ? before.status : update.disabled ? 'disabled' : 'enabled',
        metadata: applyMetadata(before.metadata, update.metadata),
      };
      return ctx.state.store.collection(ctx.scope, 'webhook_endpoint').replace(after);
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/webhook_endpoints/:id',
    accepts: [],
    parse: () => undefined,
    run: (_input, ctx): Stripe.DeletedWebhookEndpoint => {
      const endpoint = findEndpoint(ctx);
      ctx.state.store.collection(ctx.scope, 'webhook_endpoint').remove(endpoint.id);
      ctx.state.webhookSettings.delete(endpoint.id);
      return { id: endpoint.id, object: 'webhook_endpoint', deleted: true };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/webhook_endpoints',
    accepts: ['limit', 'starting_after', 'ending_before'],
    returns: { type: 'webhook_endpoint', list: true },
    parse: (params) => readListParams(params),
    run: (list, ctx) => listObjects('webhook_endpoint', ctx.state.store.collection(ctx.scope, 'webhook_endpoint'), list, ctx.url),
  }),
];
