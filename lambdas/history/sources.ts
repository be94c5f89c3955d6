import type Stripe from 'stripe';
import { stripeFor } from '../stripe/client';
import { waitForTurn } from '../stripe/pace';
import { handledEventTypes } from '../webhooks/registry';
import { importPhases, type HistoryJobRecord, type ImportPhase } from './job';
import type { PageItem } from './apply';

/**
 * Where a history job reads: one page of Stripe's list for the job's position, newest first as
 * Stripe lists, each object with the events it stands for. A replay reads the account's event log
 * (Stripe keeps 30 days); an import reads its paid invoices, then charges, then disputes.
 */

export const pageSize = 100;

export interface SourcePage {
  items: PageItem[];
  hasMore: boolean;
}

type Position = Pick<HistoryJobRecord, 'kind' | 'mode' | 'accountId' | 'since' | 'cursor' | 'phase'>;

const listParams = (position: Position) => ({
  created: { gte: Math.floor(Date.parse(position.since) / 1000) },
  limit: pageSize,
  ...(position.cursor ? { starting_after: position.cursor } : {}),
});

/**
 * What a replay reads of the log: the types Tally handles, less the connection's own ending. A
 * replay runs on a connection that exists now (a reconnect's, or the daily one), and the
 * deauthorization that ended an earlier connection must not end this one; one that ends this
 * connection comes by webhook, and Stripe refuses the job's own calls from then on.
 */
const replayedTypes = handledEventTypes.filter((type) => type !== 'account.application.deauthorized');

/** The event log: the events of the types Tally handles (the webhook endpoint's list), as Stripe sent them. */
const eventsPage = async (stripe: Stripe, position: Position): Promise<SourcePage> => {
  const page = await stripe.events.list({ ...listParams(position), types: replayedTypes }, { stripeAccount: position.accountId });
  // An event read with `Stripe-Account` is the account's: it is said so, as a Connect delivery says it.
  return { items: page.data.map((event) => ({ id: event.id, events: [{ ...event, account: position.accountId } as Stripe.Event] })), hasMore: page.has_more };
};

/**
 * The event Stripe sent (or would have sent) for an object as it is now, for an import. Its ID is
 * made from the object's, so importing the same object again is a duplicate at the intake; `created`
 * is when it was read, so a live event about an older state of the object weighs less (ledger/apply.ts).
 */
export const importedEvent = <T extends Stripe.Event['type']>(position: Position, type: T, object: { id: string }, readAt: number): Stripe.Event =>
  ({
    id: `evt_import_${object.id}_${type.replaceAll('.', '_')}`,
    object: 'event',
    type,
    created: readAt,
    livemode: position.mode === 'live',
    account: position.accountId,
    api_version: null,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    data: { object },
  }) as unknown as Stripe.Event;

const importPage = async (stripe: Stripe, position: Position, phase: ImportPhase, readAt: number): Promise<SourcePage> => {
  const onAccount = { stripeAccount: position.accountId };
  const item = (object: { id: string }, types: Stripe.Event['type'][]): PageItem => ({
    id: object.id,
    events: types.map((type) => importedEvent(position, type, object, readAt)),
  });
  switch (phase) {
    case 'invoices': {
      const page = await stripe.invoices.list({ ...listParams(position), status: 'paid' }, onAccount);
      return { items: page.data.map((invoice) => item(invoice, ['invoice.paid'])), hasMore: page.has_more };
    }
    case 'charges': {
      // A charge that paid: its purchase (or its invoice's payment), then its refunds if it has any.
      // One that failed stands for nothing, but is listed, so the cursor moves past it.
      const page = await stripe.charges.list(listParams(position), onAccount);
      const eventsOf = (charge: Stripe.Charge): Stripe.Event['type'][] =>
        charge.status !== 'succeeded' ? [] : charge.amount_refunded > 0 ? ['charge.succeeded', 'charge.refunded'] : ['charge.succeeded'];
      return { items: page.data.map((charge) => item(charge, eventsOf(charge))), hasMore: page.has_more };
    }
    case 'disputes': {
      const page = await stripe.disputes.list(listParams(position), onAccount);
      return { items: page.data.map((dispute) => item(dispute, ['charge.dispute.created'])), hasMore: page.has_more };
    }
  }
};

/** The next page for the job's position; the call waits for its turn in the account's pace. */
export const readPage = async (position: Position, now: Date): Promise<SourcePage> => {
  await waitForTurn(position.mode, position.accountId);
  const stripe = await stripeFor(position.mode);
  if (position.kind === 'replay') return eventsPage(stripe, position);
  return importPage(stripe, position, position.phase ?? importPhases[0], Math.floor(now.getTime() / 1000));
};
