import Stripe from 'stripe';
import { BusyError, RateLimitedError, TallyError, UpstreamError } from '../core/errors';
import { logger } from '../core/logger';
import type { Mode } from '../core/mode';
import { withPacedCalls } from '../stripe/pace';
import { applyEvent } from '../webhooks/intake';
import { type Counts, noCounts } from './job';

/**
 * Applying what a history job read: each object of a page becomes the events Stripe sent (or would
 * have sent) for it, applied through the webhook's intake, so the ledger cannot tell the paths
 * apart and an event already applied is a duplicate that changes nothing.
 */

/** One object of a page and the events it stands for, applied in order; the job's cursor moves past it once all are. */
export interface PageItem {
  id: string;
  events: Stripe.Event[];
}

export interface PageOutcome {
  counts: Counts;
  /** How many items, from the start, were applied in full. */
  done: number;
  /** Stripe or DynamoDB was busy: the items from `done` on are for a later slice. */
  fault?: string;
}

/** Stripe refusing for a while, or our own storage contended: a later slice can apply the event. */
export const isFault = (error: unknown): boolean =>
  error instanceof RateLimitedError ||
  error instanceof UpstreamError ||
  error instanceof BusyError ||
  error instanceof Stripe.errors.StripeRateLimitError ||
  error instanceof Stripe.errors.StripeAPIError ||
  error instanceof Stripe.errors.StripeConnectionError;

/** An event no delivery can apply (its object is malformed): counted as failed, and the job goes on. */
const isRefusal = (error: unknown): error is TallyError => error instanceof TallyError && error.status < 500 && !(error instanceof RateLimitedError);

/** Items applied at once: a page's objects are mostly different customers', whose writes do not contend. */
export const applyConcurrency = 8;

type ItemResult = { ok: true; counts: Counts } | { ok: false; fault: string };

const applyItem = async (item: PageItem, mode: Mode): Promise<ItemResult> => {
  const counts = { ...noCounts(), listed: 1 };
  try {
    for (const event of item.events) {
      try {
        const result = await applyEvent(event, mode);
        counts[result.status === 'duplicate' ? 'duplicates' : result.status] += 1;
      } catch (error) {
        if (!isRefusal(error)) throw error;
        logger.error('A history event could not be applied; the job goes on', { stripeEventId: event.id, eventType: event.type, reason: error.message });
        counts.failed += 1;
      }
    }
  } catch (error) {
    if (!isFault(error)) throw error;
    return { ok: false, fault: (error as Error).message };
  }
  return { ok: true, counts };
};

/**
 * Applies the items, `applyConcurrency` at a time in page order, until `deadline` (epoch ms) or a
 * fault. The slice counts the longest run of items from the start that were applied in full (the
 * cursor moves past those only); an item applied after a gap is applied again by the next slice and
 * answers as duplicates then. Any error other than a fault (a bug, DynamoDB unreachable) goes up,
 * so the message is received again and the slice redone.
 */
export const applyItems = async (items: readonly PageItem[], mode: Mode, deadline: number): Promise<PageOutcome> =>
  withPacedCalls(async () => {
    const results: (ItemResult | undefined)[] = new Array(items.length);
    let next = 0;
    let fault: string | undefined;
    const worker = async () => {
      while (next < items.length && fault === undefined && Date.now() < deadline) {
        const index = next++;
        const result = await applyItem(items[index] as PageItem, mode);
        results[index] = result;
        if (!result.ok) fault ??= result.fault;
      }
    };
    await Promise.all(Array.from({ length: Math.min(applyConcurrency, items.length) }, worker));
    const counts = noCounts();
    let done = 0;
    for (const result of results) {
      if (!result?.ok) break;
      for (const name of Object.keys(counts) as (keyof Counts)[]) counts[name] += result.counts[name];
      done += 1;
    }
    return { counts, done, ...(done < items.length && fault !== undefined ? { fault } : {}) };
  });
