import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { VNode } from 'preact';
import { config } from '../core/config';
import { ForbiddenError, NotFoundError, PayloadTooLargeError, TallyError } from '../core/errors';
import { logger } from '../core/logger';
import { type Mode, modes } from '../core/mode';
import { getSecret } from '../core/secrets';
import { rawBody } from '../http/request';
import { type HttpResult, isHttpResult, redirect } from '../http/response';
import { type Area, checkCsrf, findSession, type Session } from '../people';
import { renderDocument } from './html';
import { errorPage } from './layout';

/**
 * The console's and the portal's small web framework: a route table per area, served by one
 * function for its pages (GET) and one for its actions (POST), behind the same HTTP API.
 * Every action is checked before its handler runs: a session (or, for the sign-in forms, a
 * pre-session token), the CSRF token of that session, the request's origin, and the member's role
 * (a viewer changes nothing).
 */

export type Form = Record<string, string>;

export interface WebRequest {
  area: Area;
  event: APIGatewayProxyEventV2;
  method: 'GET' | 'POST';
  /** The path inside the area: `/affiliates/aff_1` for `/console/affiliates/aff_1`. */
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  /** A POST's url-encoded fields. */
  form: Form;
  cookies: string[];
  /** The Stripe mode the page shows (`?mode=`; live unless asked). */
  mode: Mode;
}

export type SignedInRequest = WebRequest & { session: Session };

export type PageResult = HttpResult | VNode;

interface RouteBase {
  method: 'GET' | 'POST';
  /** Inside the area, with `:name` parameters: `/affiliates/:id`. */
  path: string;
}

/** A page or action for signed-in people. `viewers`: a viewer may use it (every GET; POSTs that change nothing). */
export interface SignedInRoute extends RouteBase {
  public?: false;
  viewers?: boolean;
  handle(request: SignedInRequest): Promise<PageResult>;
}

/** A page or action before sign-in (the sign-in forms): a POST is checked by the pre-session token. */
export interface PublicRoute extends RouteBase {
  public: true;
  handle(request: WebRequest & { preSession: string }): Promise<PageResult>;
}

export type WebRoute = SignedInRoute | PublicRoute;

export const areaRoot = (area: Area): string => `/${area}`;

const maxFormBytes = 64 * 1024;

const parseForm = (event: APIGatewayProxyEventV2): Form => {
  const body = rawBody(event);
  if (body.length > maxFormBytes) throw new PayloadTooLargeError(maxFormBytes);
  const form: Form = {};
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) form[name] = name in form ? `${form[name]},${value}` : value;
  return form;
};

const segments = (path: string) => path.split('/').filter(Boolean);

const match = (routes: readonly WebRoute[], method: string, path: string): { route: WebRoute; params: Record<string, string> } | undefined => {
  const requested = segments(path);
  for (const route of routes) {
    if (route.method !== method) continue;
    const template = segments(route.path);
    if (template.length !== requested.length) continue;
    const params: Record<string, string> = {};
    const fits = template.every((part, index) => {
      const value = requested[index] as string;
      if (part.startsWith(':')) {
        params[part.slice(1)] = decodeURIComponent(value);
        return true;
      }
      return part === value;
    });
    if (fits) return { route, params };
  }
  return undefined;
};

// ── Pre-session CSRF: the sign-in forms are posted before there is a session ─────────────────

const preSessionCookie = 'tally_presession';

/** A random value in a cookie, and its HMAC in the form: a page of another site can set neither. */
const preSessionToken = async (value: string) =>
  createHmac('sha256', await getSecret('oauthStateKey')).update(`presession:${value}`).digest('base64url');

const cookieValue = (cookies: readonly string[], name: string): string | undefined =>
  cookies.map((cookie) => cookie.split('=')).find(([key]) => key?.trim() === name)?.[1];

const secure = () => (config().TALLY_PUBLIC_URL ?? '').startsWith('https:');

const samePublicOrigin = (event: APIGatewayProxyEventV2): boolean => {
  const origin = event.headers.origin;
  // Browsers send Origin with every cross-site POST (`null` from sandboxed or privacy-stripped
  // contexts); a request without one is no browser's form post from elsewhere.
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  const publicUrl = config().TALLY_PUBLIC_URL;
  return !publicUrl || new URL(publicUrl).origin === origin;
};

const forbidden = (message: string) => new ForbiddenError('csrf_failed', message);

const render = (result: PageResult, status = 200): HttpResult => {
  if (isHttpResult(result)) return result;
  return { statusCode: status, headers: pageHeaders, body: renderDocument(result) };
};

/** Pages are private and never framed; the one script is ours. */
export const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
};

const errorResult = (area: Area, error: unknown): HttpResult => {
  if (error instanceof TallyError) {
    const status = error.status;
    const title = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status === 400 ? 'That did not work' : 'Something went wrong';
    if (status >= 500) logger.error('Page failed', { error: error as Error });
    return render(errorPage(area, title, error.message), status);
  }
  logger.error('Page failed', { error: error as Error });
  return render(errorPage(area, 'Something went wrong', 'Something went wrong on our side. Try again in a moment.'), 500);
};

/** The query's mode, live unless asked: every page says which one it shows. */
const modeOf = (query: Record<string, string>): Mode => (modes.includes(query.mode as Mode) ? (query.mode as Mode) : 'live');

export const handleWebRequest = async (area: Area, routes: readonly WebRoute[], event: APIGatewayProxyEventV2): Promise<HttpResult> => {
  const method = event.requestContext.http.method === 'POST' ? 'POST' : 'GET';
  const root = areaRoot(area);
  const rawPath = event.rawPath;
  if (rawPath === root) return redirect(`${root}/`);
  const path = rawPath.startsWith(`${root}/`) ? rawPath.slice(root.length) : rawPath;
  const cookies = event.cookies ?? [];
  const query = (event.queryStringParameters ?? {}) as Record<string, string>;
  try {
    const found = match(routes, method, path);
    if (!found) throw new NotFoundError('Page');
    const form = method === 'POST' ? parseForm(event) : {};
    const request: WebRequest = { area, event, method, path, params: found.params, query, form, cookies, mode: modeOf({ ...query, ...form }) };
    if (method === 'POST' && !samePublicOrigin(event)) throw forbidden('This form was sent from another site.');

    if (found.route.public) {
      let preSession = cookieValue(cookies, preSessionCookie);
      const setCookie: string[] = [];
      if (method === 'POST') {
        const expected = preSession ? await preSessionToken(preSession) : undefined;
        const given = form._csrf ?? '';
        if (!expected || expected.length !== given.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(given)))
          throw forbidden('This form has expired or was not sent from this site; reload the page and try again.');
      } else if (!preSession) {
        preSession = randomBytes(16).toString('base64url');
        setCookie.push(`${preSessionCookie}=${preSession}; Path=${root}; HttpOnly; SameSite=Lax; Max-Age=3600${secure() ? '; Secure' : ''}`);
      }
      const result = render(await found.route.handle({ ...request, preSession: await preSessionToken(preSession as string) }));
      return setCookie.length > 0 ? { ...result, cookies: [...(result.cookies ?? []), ...setCookie] } : result;
    }

    const session = await findSession(area, cookies, new Date());
    if (!session) {
      if (method === 'GET') {
        const next = encodeURIComponent(`${rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`);
        return redirect(`${root}/sign-in?next=${next}`);
      }
      throw forbidden('You are signed out; sign in again.');
    }
    logger.appendKeys({ merchantId: session.merchantId });
    if (method === 'POST') {
      checkCsrf(session, form._csrf);
      if (session.area === 'console' && session.role === 'viewer' && !found.route.viewers)
        throw new ForbiddenError('forbidden', 'Viewers can look at everything but change nothing. Ask an owner or admin.');
    }
    return render(await found.route.handle({ ...request, session }));
  } catch (error) {
    return errorResult(area, error);
  }
};

/** The Lambda handler of an area's pages or actions. */
export const webHandler = (area: Area, routes: readonly WebRoute[]) =>
  middy<APIGatewayProxyEventV2, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler((event) => handleWebRequest(area, routes, event));

/** A redirect after a successful action (POST/redirect/GET), with a message for the next page. */
export const seeOther = (location: string): HttpResult => ({ statusCode: 303, headers: { location, 'cache-control': 'no-store' }, body: '' });

/** A link inside the area keeping the page's mode. */
export const href = (request: Pick<WebRequest, 'area' | 'mode'>, path: string, query: Record<string, string | undefined> = {}): string => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...query, mode: request.mode })) if (value) params.set(name, value);
  return `${areaRoot(request.area)}${path}?${params.toString()}`;
};
