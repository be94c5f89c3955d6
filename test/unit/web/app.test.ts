import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ForbiddenError } from '../../../lambdas/core/errors';
import { checkCsrf, findSession, type Session } from '../../../lambdas/people';
import { handleWebRequest, seeOther, type WebRoute } from '../../../lambdas/web/app';
import { html } from '../../../lambdas/web/html';

jest.mock('../../../lambdas/people', () => ({ findSession: jest.fn(), checkCsrf: jest.fn() }));
jest.mock('../../../lambdas/core/secrets', () => ({ getSecret: jest.fn(async () => 'test-state-key-0123456789') }));

process.env.TALLY_PUBLIC_URL = 'https://tally.example';

const owner: Session = { area: 'console', email: 'o@example.com', merchantId: 'mer_1', role: 'owner', csrfToken: 'csrf-1', expiresAt: '2099-01-01T00:00:00.000Z' };
const viewer: Session = { ...owner, role: 'viewer' };

const changed: string[] = [];
const routes: WebRoute[] = [
  { method: 'GET', path: '/', handle: async ({ session, mode }) => html`<p>hello ${session.email} in ${mode}</p>` },
  { method: 'GET', path: '/affiliates/:id', handle: async ({ params }) => html`<p>affiliate ${params.id}</p>` },
  {
    method: 'POST',
    path: '/plans',
    handle: async ({ form }) => {
      changed.push(form.name ?? '');
      return seeOther('/console/plans');
    },
  },
  { method: 'GET', path: '/sign-in', public: true, handle: async ({ preSession }) => html`<input name="_csrf" value=${preSession} />` },
  { method: 'POST', path: '/sign-in', public: true, handle: async () => html`<p>sent</p>` },
];

const event = (method: 'GET' | 'POST', path: string, options: { body?: string; cookies?: string[]; origin?: string; query?: Record<string, string> } = {}) =>
  ({
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    queryStringParameters: options.query,
    cookies: options.cookies,
    headers: { ...(options.origin ? { origin: options.origin } : {}), 'content-type': 'application/x-www-form-urlencoded' },
    body: options.body,
    isBase64Encoded: false,
    requestContext: { http: { method } },
  }) as unknown as APIGatewayProxyEventV2;

describe('the console’s web framework', () => {
  beforeEach(() => {
    changed.length = 0;
    jest.mocked(findSession).mockResolvedValue(owner);
    jest.mocked(checkCsrf).mockImplementation((session, token) => {
      if (token !== session.csrfToken) throw new ForbiddenError('csrf_failed', 'The form’s CSRF token is missing or wrong.');
    });
  });

  it('renders a signed-in page with its parameters, in live mode unless asked', async () => {
    const page = await handleWebRequest('console', routes, event('GET', '/console/affiliates/aff%201'));
    expect(page).toMatchObject({ statusCode: 200, headers: expect.objectContaining({ 'x-frame-options': 'DENY' }) });
    expect(page.body).toContain('<p>affiliate aff 1</p>');
    expect((await handleWebRequest('console', routes, event('GET', '/console/', { query: { mode: 'test' } }))).body).toContain('in test');
    expect((await handleWebRequest('console', routes, event('GET', '/console/'))).body).toContain('in live');
  });

  it('escapes what it renders', async () => {
    jest.mocked(findSession).mockResolvedValue({ ...owner, email: '<script>alert(1)</script>' });
    const page = await handleWebRequest('console', routes, event('GET', '/console/'));
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toContain('&lt;script>');
  });

  it('sends a signed-out browser to sign in, and back where it was after', async () => {
    jest.mocked(findSession).mockResolvedValue(undefined);
    const page = await handleWebRequest('console', routes, event('GET', '/console/affiliates/aff_1', { query: { mode: 'test' } }));
    expect(page).toMatchObject({ statusCode: 302, headers: { location: '/console/sign-in?next=%2Fconsole%2Faffiliates%2Faff_1%3Fmode%3Dtest' } });
  });

  it('runs an action only with the session’s CSRF token, from this site', async () => {
    const refused = await handleWebRequest('console', routes, event('POST', '/console/plans', { body: 'name=Gold' }));
    expect(refused.statusCode).toBe(403);
    const elsewhere = await handleWebRequest('console', routes, event('POST', '/console/plans', { body: 'name=Gold&_csrf=csrf-1', origin: 'https://evil.example' }));
    expect(elsewhere.statusCode).toBe(403);
    expect(changed).toEqual([]);
    const done = await handleWebRequest('console', routes, event('POST', '/console/plans', { body: 'name=Gold&_csrf=csrf-1', origin: 'https://tally.example' }));
    expect(done).toMatchObject({ statusCode: 303, headers: { location: '/console/plans' } });
    expect(changed).toEqual(['Gold']);
  });

  it('lets a viewer look but change nothing', async () => {
    jest.mocked(findSession).mockResolvedValue(viewer);
    expect((await handleWebRequest('console', routes, event('GET', '/console/'))).statusCode).toBe(200);
    const refused = await handleWebRequest('console', routes, event('POST', '/console/plans', { body: 'name=Gold&_csrf=csrf-1' }));
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Viewers can look at everything but change nothing');
    expect(changed).toEqual([]);
  });

  it('checks the sign-in form by a token tied to the browser’s pre-session cookie', async () => {
    const form = await handleWebRequest('console', routes, event('GET', '/console/sign-in'));
    const cookie = (form.cookies ?? [])[0] as string;
    expect(cookie).toMatch(/^tally_presession=[\w-]+; Path=\/console; HttpOnly; SameSite=Lax; Max-Age=3600; Secure$/);
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body as string)?.[1] as string;
    const presession = cookie.split(';')[0] as string;
    expect((await handleWebRequest('console', routes, event('POST', '/console/sign-in', { body: `_csrf=${token}`, cookies: [presession] }))).statusCode).toBe(200);
    expect((await handleWebRequest('console', routes, event('POST', '/console/sign-in', { body: `_csrf=${token}` }))).statusCode).toBe(403);
    expect((await handleWebRequest('console', routes, event('POST', '/console/sign-in', { body: '_csrf=forged', cookies: [presession] }))).statusCode).toBe(403);
  });

  it('answers an unknown page with 404 and /console with its root', async () => {
    expect((await handleWebRequest('console', routes, event('GET', '/console/nowhere'))).statusCode).toBe(404);
    expect(await handleWebRequest('console', routes, event('GET', '/console'))).toMatchObject({ statusCode: 302, headers: { location: '/console/' } });
  });
});
