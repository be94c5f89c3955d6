import { createHmac, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type Stripe from 'stripe';
import type { DeliveryPolicy } from './config';
import type { Mode } from './defaults';
import { newId } from './ids';

/** A webhook endpoint: the event's JSON, signed with the endpoint's secret. */
export interface WebhookTarget {
  kind: 'webhook';
  endpointId: string;
  url: string;
  secret: string;
}

/**
 * An Amazon EventBridge destination: the event as EventBridge hands it to a rule's target, unsigned
 * (only Stripe can put events on its partner bus). `endpointId` is the destination's `ed_…` id.
 */
export interface EventBridgeTarget {
  kind: 'eventbridge';
  endpointId: string;
  url: string;
  source: string;
  awsAccountId: string;
  region: string;
}

export type DeliveryTarget = WebhookTarget | EventBridgeTarget;

export interface DeliveryAttempt {
  at: string;
  status: number | null;
  error?: string;
  durationMs: number;
}

export interface DeliveryRecord {
  id: string;
  eventId: string;
  type: string;
  /** The connected account the event is about; null for the platform's own events. */
  account: string | null;
  mode: Mode;
  destination: DeliveryTarget['kind'];
  endpointId: string;
  url: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  delivered: boolean;
  /** True until the event was delivered or given up after `maxAttempts`. */
  pending: boolean;
  createdAt: string;
  finishedAt: string | null;
  history: DeliveryAttempt[];
}

export interface DeliveryFilter {
  pending?: boolean;
  delivered?: boolean;
  eventId?: string;
  type?: string;
  account?: string;
  destination?: DeliveryTarget['kind'];
  endpointId?: string;
}

export interface EventEnvelope {
  id: string;
  type: string;
  account: string | null;
  mode: Mode;
  event: Stripe.Event;
  /** The event's JSON as a webhook sends it. */
  payload: string;
}

interface Job {
  record: DeliveryRecord;
  target: DeliveryTarget;
  /** What every attempt of this delivery sends: one EventBridge event keeps its id across retries. */
  body: string;
  epoch: number;
}

/** `Stripe-Signature` exactly as Stripe computes it: HMAC-SHA256 of `${t}.${payload}` keyed by the endpoint secret. */
export function signatureHeader(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

/** The EventBridge event AWS hands the rule's target for a Stripe event put on the partner bus. */
export function eventBridgeEvent(envelope: EventEnvelope, target: EventBridgeTarget): string {
  return JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': envelope.type,
    source: target.source,
    account: target.awsAccountId,
    time: new Date(envelope.event.created * 1000).toISOString(),
    region: target.region,
    resources: [],
    detail: envelope.event,
  });
}

/**
 * Delivers events by HTTP POST, to webhook endpoints (signed) or EventBridge destinations. Each
 * endpoint or destination has a queue served in creation order: an event is retried (with backoff)
 * until it succeeds or is given up before the next one is sent, so a receiver sees events in order
 * unless a test asks for concurrent or shuffled deliveries.
 */
export class EventDispatcher {
  private records: DeliveryRecord[] = [];
  /** Event id → endpoints that answered 2xx to it at least once, for `pending_webhooks` and `delivery_success`. */
  private readonly deliveredTo = new Map<string, Set<string>>();
  private readonly queues = new Map<string, Job[]>();
  private readonly draining = new Set<string>();
  private readonly sleepers = new Map<NodeJS.Timeout, () => void>();
  private readonly inFlight = new Set<AbortController>();
  private waiters: Array<() => void> = [];
  private pending = 0;
  /** Bumped by `clear()`: jobs of an older epoch stop at their next step without touching state. */
  private epoch = 0;

  constructor(private readonly policy: () => DeliveryPolicy) {}

  get pendingCount(): number {
    return this.pending;
  }

  dispatch(envelope: EventEnvelope, target: DeliveryTarget, options: { concurrent?: boolean } = {}): DeliveryRecord {
    const record: DeliveryRecord = {
      id: newId('dlv'),
      eventId: envelope.id,
      type: envelope.type,
      account: envelope.account,
      mode: envelope.mode,
      destination: target.kind,
      endpointId: target.endpointId,
      url: target.url,
      attempts: 0,
      lastStatus: null,
      lastError: null,
      delivered: false,
      pending: true,
      createdAt: new Date().toISOString(),
      finishedAt: null,
      history: [],
    };
    this.records.push(record);
    this.pending += 1;
    const body = target.kind === 'eventbridge' ? eventBridgeEvent(envelope, target) : envelope.payload;
    const job: Job = { record, target, body, epoch: this.epoch };
    if (options.concurrent) {
      void this.deliver(job);
    } else {
      const queue = this.queues.get(target.endpointId) ?? [];
      queue.push(job);
      this.queues.set(target.endpointId, queue);
      void this.drain(target.endpointId);
    }
    return record;
  }

  /** How many endpoints have received the event (a 2xx answer), however many copies were sent. */
  deliveredCount(eventId: string): number {
    return this.deliveredTo.get(eventId)?.size ?? 0;
  }

  list(filter: DeliveryFilter = {}): DeliveryRecord[] {
    return this.records.filter(
      (record) =>
        (filter.pending === undefined || record.pending === filter.pending) &&
        (filter.delivered === undefined || record.delivered === filter.delivered) &&
        (filter.eventId === undefined || record.eventId === filter.eventId) &&
        (filter.type === undefined || record.type === filter.type) &&
        (filter.account === undefined || record.account === filter.account) &&
        (filter.destination === undefined || record.destination === filter.destination) &&
        (filter.endpointId === undefined || record.endpointId === filter.endpointId),
    );
  }

  /** Resolves true once nothing is pending (delivered or given up), false if `timeoutMs` passes first. */
  waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Forgets every delivery and cancels what is pending (retry timers, requests in flight). */
  clear(): void {
    this.epoch += 1;
    for (const [timer, wake] of this.sleepers) {
      clearTimeout(timer);
      wake();
    }
    this.sleepers.clear();
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
    this.queues.clear();
    this.records = [];
    this.deliveredTo.clear();
    this.pending = 0;
    this.settle();
  }

  private async drain(endpointId: string): Promise<void> {
    // Keyed by epoch too: a drain cancelled by `clear()` must not keep a new one from starting.
    const drainKey = `${this.epoch}:${endpointId}`;
    if (this.draining.has(drainKey)) return;
    this.draining.add(drainKey);
    try {
      for (let job = this.queues.get(endpointId)?.[0]; job; job = this.queues.get(endpointId)?.[0]) {
        await this.deliver(job);
        if (job.epoch !== this.epoch) return;
        this.queues.get(endpointId)?.shift();
      }
    } finally {
      this.draining.delete(drainKey);
    }
  }

  private async deliver(job: Job): Promise<void> {
    const { record } = job;
    for (;;) {
      const delivered = await this.attempt(job);
      if (job.epoch !== this.epoch) return;
      const policy = this.policy();
      if (delivered || record.attempts >= policy.maxAttempts) break;
      const delay = Math.min(policy.initialDelayMs * policy.backoffFactor ** (record.attempts - 1), policy.maxDelayMs);
      await this.sleep(delay);
      if (job.epoch !== this.epoch) return;
    }
    record.pending = false;
    record.finishedAt = new Date().toISOString();
    this.pending -= 1;
    this.settle();
  }

  private async attempt(job: Job): Promise<boolean> {
    const { record, target, body } = job;
    const started = Date.now();
    record.attempts += 1;
    const { status, error } = await this.post(target, body);
    if (job.epoch !== this.epoch) return false;
    record.lastStatus = status;
    record.lastError = error ?? null;
    record.history.push({ at: new Date(started).toISOString(), status, ...(error ? { error } : {}), durationMs: Date.now() - started });
    record.delivered = status !== null && status >= 200 && status < 300;
    if (record.delivered) {
      const endpoints = this.deliveredTo.get(record.eventId) ?? new Set<string>();
      this.deliveredTo.set(record.eventId, endpoints.add(record.endpointId));
    }
    return record.delivered;
  }

  private post(target: DeliveryTarget, payload: string): Promise<{ status: number | null; error?: string }> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    return new Promise<{ status: number | null; error?: string }>((resolve) => {
      const url = new URL(target.url);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: 'POST',
          // A fresh connection per attempt: nothing kept alive to hold the process open after `stop()`.
          agent: false,
          signal: controller.signal,
          timeout: this.policy().timeoutMs,
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'Content-Length': Buffer.byteLength(payload),
            ...(target.kind === 'webhook'
              ? { 'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)', 'Stripe-Signature': signatureHeader(payload, target.secret) }
              : { 'User-Agent': 'Amazon EventBridge' }),
            Connection: 'close',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? null }));
          res.on('error', (err) => resolve({ status: null, error: err.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => resolve({ status: null, error: err.message }));
      req.end(payload);
    }).finally(() => this.inFlight.delete(controller));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleepers.delete(timer);
        resolve();
      }, ms);
      this.sleepers.set(timer, resolve);
    });
  }

  private settle(): void {
    if (this.pending > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
