import type Stripe from 'stripe';
import { resourceMissing } from './errors';
import type { Params } from './form';
import { objectNouns, type ObjectType, type ObjectTypes } from './object-types';
import { UnknownCursorError, type Collection, type PageRequest } from './store';

export interface ListParams {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
}

/** `limit` (1–100, default 10), `starting_after` and `ending_before`, as every Stripe list takes them. */
export function readListParams(params: Params): ListParams {
  const limit = params.integer('limit', { min: 1, max: 100 }) ?? 10;
  const startingAfter = params.string('starting_after');
  const endingBefore = params.string('ending_before');
  return { limit, ...(startingAfter ? { startingAfter } : {}), ...(endingBefore ? { endingBefore } : {}) };
}

export function listObjects<K extends ObjectType>(
  type: K,
  collection: Collection<ObjectTypes[K]>,
  list: ListParams,
  url: string,
  narrow: Pick<PageRequest<ObjectTypes[K]>, 'index' | 'filter'> = {},
): Stripe.ApiList<ObjectTypes[K]> {
  try {
    const page = collection.page({ ...list, ...narrow });
    return { object: 'list', data: page.data, has_more: page.hasMore, url };
  } catch (error) {
    if (error instanceof UnknownCursorError) throw resourceMissing(objectNouns[type], error.id, error.param, 400);
    throw error;
  }
}

/**
 * A page of a list kept in its own order (an invoice's lines, a session's line items), first item
 * first, with the same cursors as every other list.
 */
export function pageOf<T extends { id: string }>(items: T[], list: ListParams, url: string, noun: string): Stripe.ApiList<T> {
  const position = (id: string, param: 'starting_after' | 'ending_before') => {
    const index = items.findIndex((item) => item.id === id);
    if (index < 0) throw resourceMissing(noun, id, param, 400);
    return index;
  };
  if (list.endingBefore !== undefined) {
    const end = position(list.endingBefore, 'ending_before');
    const start = Math.max(0, end - list.limit);
    return { object: 'list', data: items.slice(start, end), has_more: start > 0, url };
  }
  const start = list.startingAfter !== undefined ? position(list.startingAfter, 'starting_after') + 1 : 0;
  return { object: 'list', data: items.slice(start, start + list.limit), has_more: start + list.limit < items.length, url };
}

