import type Stripe from 'stripe';
import * as Ledger from '../../ledger/stripe-events';
import type { EventHandler } from '../types';

/** A paid invoice: a purchase (a first invoice, a renewal, or an invoiced one-off). */
export const invoicePaid: EventHandler<Stripe.InvoicePaidEvent> = (event, context) => Ledger.invoicePaid(context, event);
