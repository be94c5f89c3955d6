import type Stripe from 'stripe';
import { Accounts } from './accounts';
import { applyConfigPatch, DEFAULT_DELIVERY_POLICY, STRIPE_RATE_LIMITS, type ConfigPatch, type EmulatorConfig } from './config';
import { emulatorCredentials, type EmulatorCredentials, type Mode } from './defaults';
import { EventDispatcher } from './deliveries';
import { DeliveryDrops } from './delivery-drops';
import { EventDestinations, type EventDestinationInput } from './event-destinations';
import { FaultInjector } from './faults';
import { IdempotencyStore } from './idempotency';
import { OAuthGrants } from './oauth-grants';
import { ObjectStore } from './object-types';
import { RateLimiter } from './rate-limit';
import { RequestLog } from './request-log';
import type { Scope } from './store';

/** What only the emulator knows about a webhook endpoint: Stripe never shows these again after creation. */
export interface WebhookSettings {
  secret: string;
  connect: boolean;
}

export interface StateOptions {
  credentials?: Partial<EmulatorCredentials>;
  config?: ConfigPatch;
  /** Each mode's destination at start-up (and after a reset): webhook unless given. */
  eventDestinations?: Partial<Record<Mode, EventDestinationInput>>;
  /** What exists from the start (e.g. the local stack's webhook endpoints); `reset()` brings it back. */
  seed?: (state: EmulatorState) => void;
}

/** Everything the emulator holds, per mode and account, plus its own configuration and logs. */
export class EmulatorState {
  readonly credentials: EmulatorCredentials;
  readonly accounts: Accounts;
  readonly store = new ObjectStore();
  readonly webhookSettings = new Map<string, WebhookSettings>();
  readonly idempotency = new IdempotencyStore();
  readonly requestLog = new RequestLog();
  readonly rateLimiter = new RateLimiter();
  readonly oauth = new OAuthGrants();
  readonly dispatcher: EventDispatcher;
  readonly deliveryDrops = new DeliveryDrops();
  readonly eventDestinations: EventDestinations;
  private readonly initialConfig: EmulatorConfig;
  private currentConfig: EmulatorConfig;
  private faultInjector: FaultInjector;
  /** Shifts the emulator's clock (object timestamps, code and key expiry), never the signing time. */
  private clockOffsetSeconds = 0;
  private readonly seed: (state: EmulatorState) => void;

  constructor(options: StateOptions = {}) {
    this.seed = options.seed ?? (() => undefined);
    this.credentials = { ...emulatorCredentials, ...options.credentials };
    this.accounts = new Accounts(this.credentials.platformAccountId);
    this.initialConfig = applyConfigPatch(
      { rateLimits: STRIPE_RATE_LIMITS, faults: [], delivery: DEFAULT_DELIVERY_POLICY },
      options.config ?? {},
    );
    this.currentConfig = this.initialConfig;
    this.faultInjector = new FaultInjector(this.currentConfig.faults);
    this.dispatcher = new EventDispatcher(() => this.currentConfig.delivery);
    this.eventDestinations = new EventDestinations(options.eventDestinations);
    this.seed(this);
  }

  get config(): EmulatorConfig {
    return this.currentConfig;
  }

  get faults(): FaultInjector {
    return this.faultInjector;
  }

  configure(patch: ConfigPatch): EmulatorConfig {
    this.currentConfig = applyConfigPatch(this.currentConfig, patch);
    if (patch.faults !== undefined) this.faultInjector = new FaultInjector(this.currentConfig.faults);
    return this.currentConfig;
  }

  /** Unix seconds on the emulator's clock. */
  now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffsetSeconds;
  }

  advanceClock(seconds: number): number {
    this.clockOffsetSeconds += seconds;
    return this.now();
  }

  /**
   * Back to a fresh start: no objects, accounts, events, deliveries (or drops of them) or logs, and the start-up
   * configuration. `keepWebhookEndpoints` keeps the platform's endpoints (ids and secrets included)
   * and each mode's event destination, so a running stack that registered once keeps receiving events.
   */
  reset(options: { keepWebhookEndpoints?: boolean } = {}): void {
    const kept = options.keepWebhookEndpoints ? this.platformWebhookEndpoints() : [];
    this.store.clear();
    this.webhookSettings.clear();
    this.accounts.clear();
    this.idempotency.clear();
    this.requestLog.clear();
    this.rateLimiter.clear();
    this.oauth.clear();
    this.dispatcher.clear();
    this.deliveryDrops.clear();
    this.clockOffsetSeconds = 0;
    this.currentConfig = this.initialConfig;
    this.faultInjector = new FaultInjector(this.currentConfig.faults);
    if (!options.keepWebhookEndpoints) {
      this.eventDestinations.reset();
      this.seed(this);
      return;
    }
    // The start-up endpoints are among the kept ones: seeding again would register them twice.
    for (const { scope, endpoint, settings } of kept) {
      this.store.collection(scope, 'webhook_endpoint').insert(endpoint);
      this.webhookSettings.set(endpoint.id, settings);
    }
  }

  private platformWebhookEndpoints(): Array<{ scope: Scope; endpoint: Stripe.WebhookEndpoint; settings: WebhookSettings }> {
    return (['test', 'live'] as const).flatMap((mode) => {
      const scope: Scope = { mode, account: this.credentials.platformAccountId };
      return [...this.store.collection(scope, 'webhook_endpoint').all()].flatMap((endpoint) => {
        const settings = this.webhookSettings.get(endpoint.id);
        return settings ? [{ scope, endpoint, settings }] : [];
      });
    });
  }
}
