import { resourceMissing } from '../errors';
import { inRange } from '../form';
import { listObjects, readListParams } from '../list';
import { defineRoute } from '../route';

/** The events recorded for an account, newest first, as `GET /v1/events` lists them. */
export const eventRoutes = [
  defineRoute({
    method: 'GET',
    path: '/v1/events/:id',
    accepts: [],
    returns: { type: 'event' },
    parse: () => undefined,
    run: (_input, ctx) => {
      const id = ctx.path.id as string;
      const event = ctx.state.store.collection(ctx.scope, 'event').get(id);
      if (!event) throw resourceMissing('event', id);
      return event;
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/events',
    accepts: ['limit', 'starting_after', 'ending_before', 'created', 'type', 'types'],
    returns: { type: 'event', list: true },
    parse: (params) => ({
      list: readListParams(params),
      created: params.range('created'),
      type: params.string('type'),
      types: params.stringArray('types'),
    }),
    run: (input, ctx) =>
      listObjects('event', ctx.state.store.collection(ctx.scope, 'event'), input.list, ctx.url, {
        filter: (event) =>
          inRange(event.created, input.created) &&
          (input.type === undefined || matchesType(event.type, input.type)) &&
          (input.types === undefined || input.types.some((type) => matchesType(event.type, type))),
      }),
  }),
];

/** `type` may end in `*` (`promotion_code.*`). */
function matchesType(type: string, pattern: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}
