import type { ExtensionContextValue } from '@stripe/ui-extension-sdk/context';
import { getMockContextProps, render } from '@stripe/ui-extension-sdk/testing';
import { Spinner } from '@stripe/ui-extension-sdk/ui';
import type { ReactElement } from 'react';

/** The Tally deployment the tests' manifest would be built for. */
export const tallyUrl = 'https://tally.shop.example';

/** The Dashboard's context for a view: the signed-in user and account, the mode, the page's object. */
export const dashboardContext = (options: { mode?: 'live' | 'test'; object?: { id: string; object: string }; viewport?: string } = {}): ExtensionContextValue =>
  getMockContextProps({
    userContext: { id: 'usr_dashboard', account: { id: 'acct_merchant' }, locale: 'en-US' },
    environment: {
      mode: options.mode ?? 'test',
      viewportID: options.viewport ?? 'stripe.dashboard.drawer.default',
      constants: { TALLY_URL: tallyUrl },
      ...(options.object ? { objectContext: options.object } : {}),
    },
  });

type Answer = { status: number; body: unknown } | 'pending' | 'network-error';

/**
 * Tally's backend as the views see it: `fetch` answers each call with the next answer (or never,
 * while loading). Returns the calls made, to check what was sent and where.
 */
/** The calls of the test's mocked backends, so a test does not end while its view is still on its way to call. */
const mockedCalls: unknown[][] = [];

export const mockTally = (...answers: Answer[]) => {
  const calls: { url: string; headers: Record<string, string>; body: Record<string, unknown> }[] = [];
  mockedCalls.push(calls);
  globalThis.fetch = jest.fn(async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), headers: init?.headers as Record<string, string>, body: JSON.parse(String(init?.body)) });
    const answer = answers.shift() ?? 'pending';
    if (answer === 'pending') return new Promise<Response>(() => undefined);
    if (answer === 'network-error') throw new TypeError('Failed to fetch');
    // What the views read of a Response; a plain object keeps every step a microtask, which `update()` flushes.
    return { ok: answer.status < 300, status: answer.status, json: async () => answer.body } as Response;
  }) as typeof fetch;
  return calls;
};

export const notFound = { status: 404, body: { error: { type: 'not_found', message: 'A Tally merchant connected to this Stripe account not found.' } } };
export const serverError = { status: 500, body: { error: { type: 'internal', message: 'Something went wrong on our side.' } } };

export const merchant = { id: 'mer_1', name: 'Lovelace Labs' };
export const usd = (amount: number) => ({ amount, currency: 'usd' });

/**
 * `render`, unmounted after the test, whose calls still on their way are let through (to its own
 * mocked backend) before the next test mocks another.
 */
const mounted: { unmount(): void }[] = [];
export const renderView = (view: ReactElement): ReturnType<typeof render> => {
  const rendered = render(view);
  mounted.push(rendered.wrapper);
  // The SDK's `update` waits one turn of the event loop; React may run the effect that calls Tally
  // on a later one (much later on a busy CI machine), so this waits, by the clock, until the view
  // has left its spinner.
  const update = async () => {
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
      await rendered.update();
      if (!rendered.wrapper.find(Spinner)) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('The view is still loading after 15 s');
  };
  return { ...rendered, update };
};
afterEach(async () => {
  // A view mounted by a test that did not wait (the spinner tests) calls Tally a moment later: let
  // it reach this test's backend, or it would take the next test's answer and leave that view spinning.
  for (const deadline = Date.now() + 5_000; mounted.length > 0 && mockedCalls.some((calls) => calls.length === 0) && Date.now() < deadline; )
    await new Promise((resolve) => setTimeout(resolve, 5));
  mockedCalls.splice(0);
  for (const wrapper of mounted.splice(0)) wrapper.unmount();
  await new Promise((resolve) => setTimeout(resolve, 0));
});
