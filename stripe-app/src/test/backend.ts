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
export const mockTally = (...answers: Answer[]) => {
  const calls: { url: string; headers: Record<string, string>; body: Record<string, unknown> }[] = [];
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
  // on a later one (more so on a busy machine), so this waits until the view has left its spinner.
  const update = async () => {
    for (let turn = 0; turn < 200; turn += 1) {
      await rendered.update();
      if (!rendered.wrapper.find(Spinner)) return;
    }
    throw new Error('The view is still loading');
  };
  return { ...rendered, update };
};
afterEach(async () => {
  for (const wrapper of mounted.splice(0)) wrapper.unmount();
  await new Promise((resolve) => setTimeout(resolve, 0));
});
