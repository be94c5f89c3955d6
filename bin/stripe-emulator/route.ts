import type { Caller } from './auth';
import type { ResponseShape } from './expand';
import type { Params } from './form';
import type { EmulatorState } from './state';
import type { Scope } from './store';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** `Event.request`: the API request that caused an event, or nulls for dashboard actions. */
export interface RequestRef {
  id: string | null;
  idempotency_key: string | null;
}

export interface RouteContext {
  state: EmulatorState;
  scope: Scope;
  caller: Caller;
  request: RequestRef;
  /** Path parameters, e.g. `{ id }` for `/v1/coupons/:id`. */
  path: Record<string, string>;
  /** The request path, which list responses report as their `url`. */
  url: string;
  /** Records an event in this scope caused by this request and delivers it (seeding turns this off). */
  emit(type: string, object: object, previousAttributes?: object): void;
}

/** Records and delivers an event: an API request's, a simulation's or a dashboard action's. */
export type Emit = RouteContext['emit'];

/**
 * An endpoint in two steps: `parse` reads and validates every parameter (any it leaves unread is
 * refused as unknown) and must not change state; `run` then acts. So a refused request has no effect.
 */
export interface Route<Input> {
  method: HttpMethod;
  path: string;
  /**
   * The top-level parameters the endpoint takes (besides `expand`). Stripe refuses an unknown
   * parameter before it checks required ones, so the pipeline checks these names before `parse`.
   */
  accepts: readonly string[];
  /** What the endpoint returns, for validating `expand[]`; without it no expansion is accepted. */
  returns?: ResponseShape;
  /** OAuth endpoints act for the platform and answer errors in OAuth's shape. */
  oauth?: boolean;
  parse(params: Params, ctx: RouteContext): Input;
  run(input: Input, ctx: RouteContext): object;
}

export type AnyRoute = Route<unknown>;

export function defineRoute<Input>(route: Route<Input>): AnyRoute {
  return route as AnyRoute;
}

export interface RouteMatch<R> {
  route: R;
  params: Record<string, string>;
}

/** Matches `METHOD /a/:param/b` patterns, first declared first. */
export class Router<R extends { method: string; path: string }> {
  private readonly routes: Array<{ route: R; segments: string[] }>;

  constructor(routes: R[]) {
    this.routes = routes.map((route) => ({ route, segments: route.path.split('/') }));
  }

  match(method: string, path: string): RouteMatch<R> | null {
    const segments = path.split('/');
    for (const { route, segments: pattern } of this.routes) {
      if (route.method !== method || pattern.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const fits = pattern.every((part, i) => {
        const actual = segments[i] as string;
        if (part.startsWith(':')) {
          params[part.slice(1)] = decodeURIComponent(actual);
          return actual.length > 0;
        }
        return part === actual;
      });
      if (fits) return { route, params };
    }
    return null;
  }
}
