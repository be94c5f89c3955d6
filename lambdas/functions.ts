import type { SecretName } from './core/secret-names';

/**
 * The catalogue of Lambda functions, read by both the CDK stack and the local runner so the two
 * can never drift. Each HTTP route has its own small function, named after its handler file in
 * lambdas/handlers/http/; `access` is what the shared function construct grants it, nothing more.
 * Kept free of runtime imports: the CDK app reads it.
 */
export interface Access {
  table?: 'read' | 'readWrite';
  resyncQueue?: 'send';
  /** Ledger jobs: corrections after a late fact, payouts that finish on their own. */
  ledgerQueue?: 'send';
  /** History jobs: catch-ups from Stripe's event log and imports of a merchant's purchases. */
  historyQueue?: 'send';
  /** Ships the console's and portal's CSS and scripts (lambdas/web/assets.ts) in the function's bundle. */
  webAssets?: 'bundle';
  secrets?: readonly SecretName[];
  /** The partner event sources of Stripe's EventBridge destinations, which tell an event's mode. */
  stripeEventSources?: 'read';
  /** Mail to people (sign-in links, invitations) through Amazon SES, from the `tally:mailFrom` address only. */
  mail?: 'send';
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'OPTIONS';

export interface HttpRoute {
  method: HttpMethod;
  /** API Gateway route syntax: `/v1/affiliates/{id}`. */
  path: string;
  /** File name under lambdas/handlers/http/, without `.ts`. */
  handler: string;
  access: Access;
  /** Seconds, for the one route that needs more than `httpTimeoutSeconds`; API Gateway waits at most 30. */
  timeoutSeconds?: number;
}

const merchant = { table: 'readWrite' } as const;
const merchantRead = { table: 'read' } as const;
/** The console's and portal's pages: reads, and the key the sign-in forms' pre-session tokens are signed with. */
const consolePages = { table: 'read', secrets: ['oauthStateKey'] } as const;
/** Changes that may queue coupon syncs (auto-sync, resync requests). */
const merchantSyncing = { table: 'readWrite', resyncQueue: 'send' } as const;

export const httpRoutes: readonly HttpRoute[] = [
  { method: 'GET', path: '/health', handler: 'health', access: {} },
  { method: 'POST', path: '/v1/merchants', handler: 'create-merchant', access: { table: 'readWrite', secrets: ['operatorKey'] } },
  { method: 'GET', path: '/v1/merchant', handler: 'get-merchant', access: merchantRead },
  { method: 'PATCH', path: '/v1/merchant/settings', handler: 'update-settings', access: merchantSyncing },
  // The merchant's team (lambdas/people/): an invitation mails a sign-in link for the console.
  { method: 'POST', path: '/v1/merchant/users', handler: 'create-member', access: { table: 'readWrite', mail: 'send' } },
  { method: 'GET', path: '/v1/merchant/users', handler: 'list-members', access: merchantRead },

  {
    method: 'GET',
    path: '/v1/connect/stripe/authorize',
    handler: 'connect-authorize',
    access: { table: 'readWrite', secrets: ['oauthStateKey'] },
  },
  // Where the authorize link leads the merchant's browser: binds the flow to it, then on to Stripe.
  {
    method: 'GET',
    path: '/oauth/stripe/start',
    handler: 'oauth-start',
    access: { table: 'readWrite', secrets: ['oauthStateKey', 'stripeSecretKeys', 'stripeConnectClientIds'] },
  },
  {
    method: 'GET',
    path: '/oauth/stripe/callback',
    handler: 'oauth-callback',
    // A new connection queues the reset of the mode's coupon syncs (coupon-sync/connected.ts), and
    // a reconnection the catch-up of the events Stripe sent while it was ended (history/catch-up.ts).
    access: { table: 'readWrite', resyncQueue: 'send', historyQueue: 'send', secrets: ['oauthStateKey', 'stripeSecretKeys'] },
  },
  {
    method: 'POST',
    path: '/v1/connect/stripe/disconnect',
    handler: 'connect-disconnect',
    access: { table: 'readWrite', secrets: ['stripeSecretKeys', 'stripeConnectClientIds'] },
  },
  {
    method: 'POST',
    path: '/webhooks/stripe',
    handler: 'stripe-webhook',
    access: { table: 'readWrite', resyncQueue: 'send', ledgerQueue: 'send', secrets: ['stripeWebhookSecrets', 'stripeSecretKeys'] },
  },

  { method: 'POST', path: '/v1/commission-plans', handler: 'create-plan', access: merchant },
  { method: 'GET', path: '/v1/commission-plans', handler: 'list-plans', access: merchantRead },
  { method: 'GET', path: '/v1/commission-plans/{id}', handler: 'get-plan', access: merchantRead },
  { method: 'PATCH', path: '/v1/commission-plans/{id}', handler: 'update-plan', access: merchant },

  { method: 'POST', path: '/v1/affiliates', handler: 'create-affiliate', access: merchantSyncing },
  { method: 'GET', path: '/v1/affiliates', handler: 'list-affiliates', access: merchantRead },
  { method: 'GET', path: '/v1/affiliates/{id}', handler: 'get-affiliate', access: merchantRead },
  { method: 'PATCH', path: '/v1/affiliates/{id}', handler: 'update-affiliate', access: merchantSyncing },
  { method: 'DELETE', path: '/v1/affiliates/{id}', handler: 'archive-affiliate', access: merchantSyncing },
  // Up to 1,000 rows created as by POST /v1/affiliates (affiliates/import.ts), with more time than the
  // others get; a longer file becomes a job on the history queue (affiliates/import-job.ts).
  {
    method: 'POST',
    path: '/v1/affiliates/import',
    handler: 'import-affiliates',
    access: { ...merchantSyncing, historyQueue: 'send' },
    timeoutSeconds: 25,
  },
  // Portal access for an affiliate (lambdas/people/): mails it a sign-in link.
  { method: 'POST', path: '/v1/affiliates/{id}/invite', handler: 'invite-affiliate', access: { table: 'readWrite', mail: 'send' } },

  // Coupon sync (lambdas/coupon-sync/): the HTTP side only queues; the resync worker talks to Stripe.
  { method: 'POST', path: '/v1/affiliates/{id}/resync', handler: 'resync-affiliate', access: merchantSyncing },
  { method: 'POST', path: '/v1/coupon-resync', handler: 'start-coupon-resync', access: merchantSyncing },
  { method: 'GET', path: '/v1/coupon-resync/{jobId}', handler: 'get-coupon-resync', access: merchantRead },

  // The public tracking API (lambdas/tracking/): a merchant's website calls it with its tracking key.
  { method: 'GET', path: '/v1/track/tally.js', handler: 'tracking-script', access: {} },
  { method: 'POST', path: '/v1/track/visit', handler: 'track-visit', access: { table: 'readWrite' } },
  { method: 'POST', path: '/v1/track/lead', handler: 'track-lead', access: { table: 'readWrite' } },
  { method: 'OPTIONS', path: '/v1/track/{action}', handler: 'track-preflight', access: {} },
  // Trusted leads from the merchant's server (lambdas/leads/): may name a Stripe customer.
  { method: 'POST', path: '/v1/leads', handler: 'create-lead', access: merchant },

  // The commission ledger (lambdas/ledger/): written by the webhook intake, read and paid out here.
  { method: 'GET', path: '/v1/purchases', handler: 'list-purchases', access: merchantRead },
  { method: 'GET', path: '/v1/commissions', handler: 'list-commissions', access: merchantRead },
  { method: 'POST', path: '/v1/payouts', handler: 'create-payout', access: { table: 'readWrite', ledgerQueue: 'send' } },
  { method: 'GET', path: '/v1/payouts', handler: 'list-payouts', access: merchantRead },
  { method: 'GET', path: '/v1/payouts/{id}', handler: 'get-payout', access: merchantRead },
  { method: 'GET', path: '/v1/affiliates/{id}/balance', handler: 'get-affiliate-balance', access: merchantRead },

  // A connected account's history from Stripe (lambdas/history/): the HTTP side only queues the job.
  { method: 'POST', path: '/v1/stripe-events/replay', handler: 'start-event-replay', access: { table: 'readWrite', historyQueue: 'send' } },
  { method: 'GET', path: '/v1/stripe-events/replay/{jobId}', handler: 'get-event-replay', access: merchantRead },
  { method: 'POST', path: '/v1/imports/stripe', handler: 'start-stripe-import', access: { table: 'readWrite', historyQueue: 'send' } },
  { method: 'GET', path: '/v1/imports/{jobId}', handler: 'get-stripe-import', access: merchantRead },

  // The merchant console and the affiliate portal (lambdas/console/, lambdas/portal/, lambdas/web/):
  // server-rendered pages, one function for each area's pages (reads only) and one for its actions.
  { method: 'GET', path: '/console', handler: 'console-pages', access: consolePages },
  { method: 'GET', path: '/console/{proxy+}', handler: 'console-pages', access: consolePages },
  {
    method: 'POST',
    path: '/console/{proxy+}',
    handler: 'console-actions',
    // Whatever the console lets a merchant do: the API's writes, connecting Stripe, inviting the team.
    access: {
      table: 'readWrite',
      resyncQueue: 'send',
      ledgerQueue: 'send',
      historyQueue: 'send',
      mail: 'send',
      secrets: ['oauthStateKey', 'stripeSecretKeys', 'stripeConnectClientIds'],
    },
  },
  { method: 'GET', path: '/portal', handler: 'portal-pages', access: consolePages },
  { method: 'GET', path: '/portal/{proxy+}', handler: 'portal-pages', access: consolePages },
  { method: 'POST', path: '/portal/{proxy+}', handler: 'portal-actions', access: { table: 'readWrite', mail: 'send', secrets: ['oauthStateKey'] } },
  { method: 'GET', path: '/assets/{file}', handler: 'web-asset', access: { webAssets: 'bundle' } },

  { method: 'GET', path: '/v1/stats', handler: 'get-stats', access: merchantRead },
  { method: 'POST', path: '/stripe-app/stats', handler: 'stripe-app-stats', access: { table: 'read', secrets: ['stripeAppSigningSecret'] } },
  { method: 'OPTIONS', path: '/stripe-app/stats', handler: 'stripe-app-preflight', access: {} },
  // The app's customer, invoice and payment views; an invoice or charge Tally has no commission for is looked up in Stripe.
  { method: 'POST', path: '/stripe-app/customer', handler: 'stripe-app-customer', access: { table: 'read', secrets: ['stripeAppSigningSecret'] } },
  { method: 'OPTIONS', path: '/stripe-app/customer', handler: 'stripe-app-preflight', access: {} },
  {
    method: 'POST',
    path: '/stripe-app/purchase',
    handler: 'stripe-app-purchase',
    access: { table: 'read', secrets: ['stripeAppSigningSecret', 'stripeSecretKeys'] },
  },
  { method: 'OPTIONS', path: '/stripe-app/purchase', handler: 'stripe-app-preflight', access: {} },
];

/** API Gateway's route key, as it appears in `event.routeKey`. */
export const routeKey = (route: Pick<HttpRoute, 'method' | 'path'>): string => `${route.method} ${route.path}`;

/** Functions without a route: queue consumers and schedules. Added by the work that needs them. */
export interface QueueConsumer {
  /** File name under lambdas/handlers/queue/. */
  handler: string;
  queue: QueueName;
  batchSize: number;
  /** Caps concurrent invocations, so Stripe's per-account rate limit holds. */
  maxConcurrency: number;
  timeoutSeconds: number;
  access: Access;
}

export interface ScheduledFunction {
  /** File name under lambdas/handlers/schedule/. */
  handler: string;
  rateMinutes: number;
  timeoutSeconds: number;
  access: Access;
}

export const queueConsumers: readonly QueueConsumer[] = [
  {
    // Affiliates' coupon syncs and bulk resync fan-outs. Ten batches of ten in flight keep an
    // account's shared pace (stripe/pace.ts) busy without making any call wait long for its turn.
    handler: 'coupon-resync',
    queue: 'resync',
    batchSize: 10,
    maxConcurrency: 10,
    timeoutSeconds: 60,
    access: { table: 'readWrite', resyncQueue: 'send', secrets: ['stripeSecretKeys'] },
  },
  {
    // The ledger's jobs: a customer's correction after a late fact, and payouts too large for one
    // request. Each message does a bounded slice and queues its own continuation.
    handler: 'ledger-jobs',
    queue: 'ledger',
    batchSize: 5,
    maxConcurrency: 10,
    timeoutSeconds: 60,
    access: { table: 'readWrite', ledgerQueue: 'send' },
  },
  {
    // Stripe's events from Amazon EventBridge, applied as the webhook applies them (same registry,
    // same exactly-once transaction), hence the webhook function's access minus its signing secrets.
    handler: 'stripe-events',
    queue: 'stripeEvents',
    batchSize: 10,
    maxConcurrency: 10,
    timeoutSeconds: 60,
    access: { table: 'readWrite', resyncQueue: 'send', ledgerQueue: 'send', secrets: ['stripeSecretKeys'], stripeEventSources: 'read' },
  },
  {
    // History jobs: each message lists one page of a connected account's events (or invoices,
    // charges, disputes) and applies it through the webhook's intake, then queues the next page.
    // Their Stripe calls share the account's pace with coupon sync (stripe/pace.ts).
    handler: 'stripe-history',
    queue: 'history',
    batchSize: 1,
    maxConcurrency: 10,
    timeoutSeconds: 120,
    access: { table: 'readWrite', resyncQueue: 'send', ledgerQueue: 'send', historyQueue: 'send', secrets: ['stripeSecretKeys'] },
  },
];
export const scheduledFunctions: readonly ScheduledFunction[] = [
  // Webhooks report drift as it happens; once a day the drift repair catches whatever they missed.
  { handler: 'coupon-drift-repair', rateMinutes: 24 * 60, timeoutSeconds: 60, access: { table: 'readWrite', resyncQueue: 'send' } },
  // A correction is queued right after the transaction that needs it; this re-queues any whose message was lost.
  { handler: 'ledger-corrections-sweep', rateMinutes: 10, timeoutSeconds: 60, access: { table: 'readWrite', ledgerQueue: 'send' } },
  // Once a day, every connected account's event log since the last catch-up: what webhooks missed.
  { handler: 'stripe-events-catch-up', rateMinutes: 24 * 60, timeoutSeconds: 120, access: { table: 'readWrite', historyQueue: 'send' } },
  // A history job goes on by queueing its next page; this re-queues any whose message was lost.
  { handler: 'stripe-history-sweep', rateMinutes: 10, timeoutSeconds: 60, access: { table: 'readWrite', historyQueue: 'send' } },
];

/**
 * The queues, each with a dead-letter queue that receives a message after `maxReceiveCount`
 * failed deliveries. The visibility timeout is six times the consumer's timeout, as AWS advises.
 */
export const queues = {
  resync: { maxReceiveCount: 5, consumerTimeoutSeconds: 60 },
  ledger: { maxReceiveCount: 8, consumerTimeoutSeconds: 60 },
  history: { maxReceiveCount: 8, consumerTimeoutSeconds: 120 },
  // The target of the EventBridge rules on Stripe's partner buses: deployed only when a partner event
  // source is given (`-c tally:stripeEventSourceLive=…`). Ten receives, six minutes apart, outlast an
  // hour of Stripe being unavailable.
  stripeEvents: { maxReceiveCount: 10, consumerTimeoutSeconds: 60, onlyWithStripeEventSource: true },
} as const;
export type QueueName = keyof typeof queues;

export const visibilityTimeoutSeconds = (queue: QueueName): number => queues[queue].consumerTimeoutSeconds * 6;

/** Every HTTP function's timeout, well under API Gateway's 30 s integration limit. */
export const httpTimeoutSeconds = 10;
