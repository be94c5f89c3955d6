import type Stripe from 'stripe';
import { inRange } from '../form';
import { listObjects, readListParams } from '../list';
import { idOf } from '../object-types';
import { defineRoute } from '../route';

/**
 * `GET /v1/refunds` and `GET /v1/disputes`: the same list of objects that belong to a payment,
 * filtered by `charge` or `payment_intent` (both indexed) and `created`.
 */
export const paymentListRoute = (type: 'refund' | 'dispute', path: string) =>
  defineRoute({
    method: 'GET',
    path,
    accepts: ['limit', 'starting_after', 'ending_before', 'created', 'charge', 'payment_intent'],
    returns: { type, list: true },
    parse: (params) => ({
      list: readListParams(params),
      created: params.range('created'),
      charge: params.string('charge'),
      paymentIntent: params.string('payment_intent'),
    }),
    run: (input, ctx) =>
      listObjects(type, ctx.state.store.collection(ctx.scope, type), input.list, ctx.url, {
        ...(input.charge !== undefined
          ? { index: { name: 'charge', value: input.charge } }
          : input.paymentIntent !== undefined
            ? { index: { name: 'payment_intent', value: input.paymentIntent } }
            : {}),
        filter: (object: Stripe.Refund | Stripe.Dispute) =>
          inRange(object.created, input.created) &&
          (input.paymentIntent === undefined || idOf(object.payment_intent) === input.paymentIntent),
      }),
  });
