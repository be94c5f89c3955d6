import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, type Caller } from './auth';
import { EMULATOR_API_VERSION } from './defaults';
import { ApiError, internalError, oauthError, rateLimited, stripeError } from './errors';
import { emitEvent } from './events';
import { checkExpandPaths, expandResponse } from './expand';
import type { FaultDecision } from './faults';
import { Params, parseForm, type FormObject, type FormValue } from './form';
import { header, send, type Timers } from './http';
import { fingerprintOf } from './idempotency';
import { newId } from './ids';
import type { RequestLogEntry } from './request-log';
import { apiRoutes, includableFields } from './resources';
import { Router, type AnyRoute, type RouteContext, type RouteMatch } from './route';
import type { EmulatorState } from './state';
import { scopeKey, type Scope } from './store';

interface Outcome {
  status: number;
  body: string;
  headers: Record<string, string>;
  replayable: boolean;
}

interface Invocation {
  scope: Scope;
  caller: Caller;
  requestId: string | null;
  idempotencyKey: string | null;
  emitEvents: boolean;
}

type LogDraft = Omit<RequestLogEntry, 'seq' | 'at'>;

function unrecognized(method: string, path: string): ApiError {
  return stripeError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}

/** JSON parameters (control API seeding) in the shape form decoding gives: every leaf a string. */
function toFormValue(value: unknown): FormValue {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(toFormValue);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toFormValue(v)]));
  return String(value);
}

/**
 * The way every SDK call goes: authenticate → rate limit → fault injection → idempotency → the
 * endpoint (parse, then run) → expansion → request log. Faults and refusals are decided before
 * the endpoint runs, so they change nothing (except the opt-in `afterCommit` faults).
 */
export class ApiPipeline {
  private readonly router = new Router<AnyRoute>(apiRoutes);

  constructor(
    private readonly state: EmulatorState,
    private readonly timers: Timers,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
    const { state } = this;
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const requestId = newId('req', 14);
    const idempotencyKey = header(req, 'idempotency-key');
    const log: LogDraft = { method, path, account: null, mode: null, status: null, requestId, idempotencyKey };
    const headers: Record<string, string> = { 'Request-Id': requestId, 'Stripe-Version': EMULATOR_API_VERSION };
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    const finish = (status: number, responseBody: string, extra: Record<string, string> = {}) => {
      log.status = status;
      send(res, status, responseBody, { ...headers, ...extra });
      state.requestLog.record(log);
    };
    const fail = (error: ApiError) => finish(error.status, JSON.stringify(error.payload, null, 2), error.options.headers);

    const match = this.router.match(method, path);
    if (!match) return fail(unrecognized(method, path));
    const auth = authenticate(state, req.headers, Boolean(match.route.oauth));
    if (auth instanceof ApiError) return fail(auth);
    const { caller, scope } = auth;
    log.account = scope.account;
    log.mode = scope.mode;
    const stripeAccount = header(req, 'stripe-account');
    if (stripeAccount) headers['Stripe-Account'] = stripeAccount;

    const limits = state.config.rateLimits;
    if (limits && !state.rateLimiter.allow(scopeKey(scope), limits[scope.mode], performance.now())) return fail(rateLimited());

    const fault = state.faults.decide({ method, path, account: scope.account, mode: scope.mode });
    if (fault?.latencyMs) await this.timers.sleep(fault.latencyMs);
    if (fault?.kind && (fault.kind === '429' || !fault.afterCommit)) {
      log.faulted = fault.kind;
      if (fault.kind === '429') return fail(rateLimited());
      if (fault.kind === '500') return fail(internalError());
      return this.timeOut(res, fault, log);
    }

    const form = parseForm(method === 'POST' ? body : url.search.slice(1));
    const endpoint = `${method} ${path}`;
    const fingerprint = fingerprintOf(form);
    const keyed = method === 'POST' && idempotencyKey !== null;
    if (keyed) {
      const found = state.idempotency.lookup(scopeKey(scope), idempotencyKey, endpoint, fingerprint, state.now());
      if (found.kind === 'conflict') return fail(found.error);
      if (found.kind === 'replay') {
        log.replayed = true;
        const saved = found.response;
        return finish(saved.status, saved.body, { ...saved.headers, 'Idempotent-Replayed': 'true', 'Original-Request': saved.requestId });
      }
    }

    const outcome = this.execute(match, form, path, { scope, caller, requestId, idempotencyKey, emitEvents: true });
    if (keyed && outcome.replayable) {
      state.idempotency.save(scopeKey(scope), idempotencyKey, endpoint, fingerprint, state.now(), {
        status: outcome.status,
        body: outcome.body,
        headers: outcome.headers,
        requestId,
      });
    }
    if (fault?.kind) {
      log.faulted = fault.kind;
      return fault.kind === '500' ? fail(internalError()) : this.timeOut(res, fault, log);
    }
    finish(outcome.status, outcome.body, outcome.headers);
  }

  /**
   * Runs the create endpoint of `resource` (`coupons`, `promotion_codes`…) directly, for seeding:
   * no rate limit, faults, idempotency or request log, and events only when asked for.
   */
  seed(scope: Scope, resource: string, params: object, emitEvents: boolean): object {
    const path = `/v1/${resource}`;
    const match = this.router.match('POST', path);
    if (!match) throw unrecognized('POST', path);
    const caller: Caller = { key: this.state.credentials.secretKeys[scope.mode], mode: scope.mode, platformKey: true };
    const outcome = this.execute(match, toFormValue(params) as FormObject, path, { scope, caller, requestId: null, idempotencyKey: null, emitEvents });
    if (outcome.status !== 200) throw new ApiError(outcome.status, JSON.parse(outcome.body) as object);
    return JSON.parse(outcome.body) as object;
  }

  private execute(match: RouteMatch<AnyRoute>, form: FormObject, url: string, invocation: Invocation): Outcome {
    const { state } = this;
    const { route } = match;
    const { scope } = invocation;
    const request = { id: invocation.requestId, idempotency_key: invocation.idempotencyKey };
    const ctx: RouteContext = {
      state,
      scope,
      caller: invocation.caller,
      request,
      path: match.params,
      url,
      emit: (type, object, previous) => {
        if (invocation.emitEvents) emitEvent(state, scope, { type, object, request, ...(previous ? { previousAttributes: previous } : {}) });
      },
    };
    try {
      const params = new Params(form, '', () => state.now());
      params.acceptOnly([...route.accepts, 'expand']);
      const expand = params.stringArray('expand') ?? [];
      checkExpandPaths(route.returns, expand, includableFields);
      const input = route.parse(params, ctx);
      params.done();
      const result = structuredClone(route.run(input, ctx));
      expandResponse(result, expand, {
        includables: includableFields,
        find: (type, id) => state.store.find(scope, type, id),
        at: { state, scope },
      });
      return { status: 200, body: JSON.stringify(result, null, 2), headers: {}, replayable: true };
    } catch (thrown) {
      let error = thrown instanceof ApiError ? thrown : internalError();
      if (!(thrown instanceof ApiError)) console.error('stripe emulator: endpoint failed', thrown);
      const payload = error.payload as { error?: unknown };
      if (route.oauth && typeof payload.error === 'object' && payload.error !== null) {
        // Parameter refusals on OAuth endpoints come back in OAuth's shape.
        error = oauthError(error.status, 'invalid_request', (payload.error as { message: string }).message);
      }
      return {
        status: error.status,
        body: JSON.stringify(error.payload, null, 2),
        headers: error.options.headers ?? {},
        replayable: error.options.replayable ?? true,
      };
    }
  }

  /** No response at all: the socket is dropped at once or after being held, as a client-side timeout sees it. */
  private timeOut(res: ServerResponse, fault: FaultDecision, log: LogDraft): void {
    log.status = null;
    this.state.requestLog.record(log);
    if (fault.timeout.mode === 'drop') {
      res.socket?.destroy();
      return;
    }
    this.timers.after(fault.timeout.delayMs, () => res.socket?.destroy());
  }
}
