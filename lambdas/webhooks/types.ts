import type Stripe from 'stripe';
import type { Mode } from '../core/mode';
import type { AccountClaim } from '../connect/connection';
import type { ItemLookup } from '../store/batch';
import type { Key } from '../store/keys';
import type { Transaction } from '../store/transaction';

/**
 * What an event handler gets: the merchant the event's account belongs to, and the transaction
 * its effects go into. The intake commits that transaction together with the record that the
 * event was processed, so an effect is never stored without the record, nor the record without it.
 */
export interface EventContext {
  merchantId: string;
  mode: Mode;
  accountId: string;
  claim: AccountClaim;
  transaction: Transaction;
  /**
   * Reads items by key (consistent reads, one BatchGetItem for up to 100 keys), adding to `into`
   * when given. The handler's first read may also bring the account claim and the processed-event
   * record, so a handler that reads once costs one call in all, not three; if the event turns out
   * to be a duplicate or its connection ended, that read never returns its items: it rejects with
   * the intake's verdict, which handlers let pass (they do not catch) and the intake answers with.
   */
  read(keys: readonly Key[], into?: ItemLookup): Promise<ItemLookup>;
}

/** Returns a plain-English outcome ("commission reversed", "ignored: …"), logged once per event. */
export type EventHandler<E extends Stripe.Event = Stripe.Event> = (event: E, context: EventContext) => Promise<string>;

export type EventOfType<T extends Stripe.Event['type']> = Extract<Stripe.Event, { type: T }>;
